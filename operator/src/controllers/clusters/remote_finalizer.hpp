#pragma once
// The finalizer labfleet.dev/remote-objects, on the home objects whose
// children live in other clusters: a DeploymentTarget naming a cluster, and a
// Workload assigned to one. No ownerReference crosses clusters, so no garbage
// collector removes those children: the reconciler holding the finalizer
// deletes them once its object is deleted, then lets go. A cluster that cannot
// be written to is waited for --remote-cleanup-grace from the deletion, then
// let go of with a Warning Event RemoteObjectsLeft saying what stays there.

#include <algorithm>
#include <chrono>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "controllers/context.hpp"
#include "kube/client/resource.hpp"
#include "kube/controller/reconcile.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

inline constexpr const char* remote_objects_finalizer = "labfleet.dev/remote-objects";
inline constexpr const char* remote_objects_left_reason = "RemoteObjectsLeft";

bool has_remote_finalizer(const kube::Json& object);

/// Sets the finalizers of cluster-scoped `object` of `type` to its own with
/// (`with`) or without Labfleet's: a merge patch guarded by its resourceVersion.
/// The update it brings queues the object again.
boost::asio::awaitable<kube::ReconcileResult> write_remote_finalizer(Context& ctx, kube::ResourceType type,
                                                                     kube::Json object, bool with);

/// How much of the grace is left for an object deleted at `deleted`; nullopt
/// once it is over.
std::optional<std::chrono::milliseconds> remote_grace_left(const Context& ctx, kube::WallTime deleted);

/// How soon to look again while waiting for a cluster within the grace.
inline std::chrono::milliseconds remote_grace_recheck(std::chrono::milliseconds left) {
    return std::min<std::chrono::milliseconds>(left, std::chrono::seconds{10});
}

} // namespace labfleet::controllers
