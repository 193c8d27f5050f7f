#pragma once
// Typed REST calls over a Client: build the request (kube/client/request.hpp), send
// it, decode the JSON answer. A body that is not the JSON object the API
// promises is an ErrorReason::Decode error, never a crash.
//
// No argument has a default and callers inside coroutines pass named values:
// GCC 12 destroys a braced or defaulted temporary argument of a coroutine
// called from a coroutine twice.

#include <boost/asio/awaitable.hpp>

#include "kube/client/client.hpp"
#include "kube/json/json.hpp"

namespace labfleet::kube::rest {

asio::awaitable<Result<Json>> get(Client& client, ResourceType type, ObjectKey key);
/// Lists every page (limit/continue) and returns one List object whose
/// metadata.resourceVersion is that of the last page.
asio::awaitable<Result<Json>> list_all(Client& client, ResourceType type, std::string ns, ListOptions options);
asio::awaitable<Result<Json>> create(Client& client, ResourceType type, std::string ns, Json object);
asio::awaitable<Result<Json>> replace(Client& client, ResourceType type, Json object);
asio::awaitable<Result<Json>> replace_status(Client& client, ResourceType type, Json object);
asio::awaitable<Result<Json>> patch(Client& client, ResourceType type, ObjectKey key, PatchType patch_type, Json patch);
asio::awaitable<Result<Json>> patch_status(Client& client, ResourceType type, ObjectKey key, PatchType patch_type, Json patch);
asio::awaitable<Result<Json>> apply(Client& client, ResourceType type, Json object, ApplyOptions options);
asio::awaitable<Result<Json>> apply_status(Client& client, ResourceType type, Json object, ApplyOptions options);
asio::awaitable<Status> remove(Client& client, ResourceType type, ObjectKey key, DeleteOptions options);

/// The key of an object from its metadata.
ObjectKey key_of(const Json& object);

} // namespace labfleet::kube::rest
