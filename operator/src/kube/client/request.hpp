#pragma once
// Request building: pure functions from an intent (list ConfigMaps with this
// selector, apply this object, ...) to an HTTP request. No I/O here; the
// transport (kube/net) sends what these return.

#include <optional>
#include <string>

#include "kube/json/json.hpp"
#include "kube/client/resource.hpp"

namespace labfleet::kube {

enum class Method { Get, Post, Put, Patch, Delete };

/// How a write ranks when the operator's writes compete for the API server (UrgentFirstClient).
enum class WriteRank {
    /// Events, statuses and the rest: held back while urgent writes are in flight.
    Report,
    /// What runs: a workload's children. Sent at once, holding nothing back: a lease's image
    /// reaches its pods through them, and its holder waits on that as on the lease itself.
    Change,
    /// A lease's status, an environment freed or handed over: sent at once, holding reports back.
    Urgent,
};

struct HttpRequest {
    Method method = Method::Get;
    std::string target;        // path and query, e.g. "/api/v1/namespaces/a/configmaps?limit=500"
    std::string content_type;  // empty when there is no body
    std::string body;
    WriteRank rank = WriteRank::Report;  // of a write; reads always pass
    bool operator==(const HttpRequest&) const = default;
};

struct ListOptions {
    std::string label_selector;   // "app.kubernetes.io/managed-by=labfleet"
    std::string field_selector;
    int limit = 0;                // 0 = no paging
    std::string continue_token;
    std::string resource_version; // "0" = any (served from the watch cache)
};

struct WatchOptions {
    std::string label_selector;
    std::string field_selector;
    std::string resource_version;
    int timeout_seconds = 290;    // server-side timeout of the watch
    bool allow_bookmarks = true;
    /// A streaming list: the server first sends every object as ADDED, then a
    /// BOOKMARK annotated k8s.io/initial-events-end (resourceVersionMatch=NotOlderThan).
    bool send_initial_events = false;
};

enum class PatchType { Merge, Json, Apply };

struct ApplyOptions {
    std::string field_manager = "labfleet";
    bool force = true;
    bool dry_run = false;
    /// Creates the object, never changes one: the body carries resourceVersion "1", a
    /// precondition no stored object meets (etcd's first write is revision 2), so the server
    /// refuses the apply with a Conflict when the name is taken and creates it otherwise,
    /// owned by this field manager's Apply as any apply.
    bool create_only = false;
    WriteRank rank = WriteRank::Report;
};

struct DeleteOptions {
    std::optional<std::string> precondition_uid;
    std::optional<std::string> precondition_resource_version;
    std::string propagation_policy;  // "" | "Background" | "Foreground" | "Orphan"
    WriteRank rank = WriteRank::Report;
};

namespace requests {
/// Collection path: /api/v1/namespaces/NS/configmaps, /apis/G/V/PLURAL, ...
std::string collection_path(const ResourceType& type, const std::string& ns);
std::string object_path(const ResourceType& type, const ObjectKey& key);

HttpRequest get(const ResourceType& type, const ObjectKey& key);
HttpRequest list(const ResourceType& type, const std::string& ns, const ListOptions& options);
HttpRequest watch(const ResourceType& type, const std::string& ns, const WatchOptions& options);
HttpRequest create(const ResourceType& type, const std::string& ns, const Json& object);
/// PUT of a whole object; metadata.resourceVersion in it is the precondition.
HttpRequest replace(const ResourceType& type, const ObjectKey& key, const Json& object);
HttpRequest replace_status(const ResourceType& type, const ObjectKey& key, const Json& object);
HttpRequest patch(const ResourceType& type, const ObjectKey& key, PatchType patch_type, const Json& patch);
HttpRequest patch_status(const ResourceType& type, const ObjectKey& key, PatchType patch_type,
                         const Json& patch);
/// Server-side apply (application/apply-patch+yaml; a JSON body is valid YAML).
HttpRequest apply(const ResourceType& type, const ObjectKey& key, const Json& object,
                  const ApplyOptions& options = {});
HttpRequest apply_status(const ResourceType& type, const ObjectKey& key, const Json& object,
                         const ApplyOptions& options = {});
HttpRequest remove(const ResourceType& type, const ObjectKey& key, const DeleteOptions& options = {});
} // namespace requests

std::string_view to_string(Method method);

} // namespace labfleet::kube
