#pragma once
// ResourceType: what the REST layer needs to address a kind (group, version,
// plural, scope). The runtime is generic: callers describe their kinds.

#include <string>

namespace labfleet::kube {

struct ResourceType {
    std::string group;    // "" for the core group
    std::string version;  // "v1"
    std::string kind;     // "ConfigMap"
    std::string plural;   // "configmaps"
    bool namespaced = true;

    /// "v1" or "apps/v1".
    std::string api_version() const { return group.empty() ? version : group + "/" + version; }
    friend bool operator==(const ResourceType&, const ResourceType&) = default;
};

/// Namespace (empty for cluster-scoped kinds) and name of one object.
struct ObjectKey {
    std::string ns;
    std::string name;

    /// "ns/name", or "name" when cluster-scoped: the work-queue key form.
    std::string str() const { return ns.empty() ? name : ns + "/" + name; }
    friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
};

namespace resources {
inline ResourceType config_maps() { return {"", "v1", "ConfigMap", "configmaps", true}; }
inline ResourceType services() { return {"", "v1", "Service", "services", true}; }
inline ResourceType namespaces() { return {"", "v1", "Namespace", "namespaces", false}; }
inline ResourceType secrets() { return {"", "v1", "Secret", "secrets", true}; }
inline ResourceType deployments() { return {"apps", "v1", "Deployment", "deployments", true}; }
inline ResourceType leases() { return {"coordination.k8s.io", "v1", "Lease", "leases", true}; }
inline ResourceType events() { return {"events.k8s.io", "v1", "Event", "events", true}; }
} // namespace resources

} // namespace labfleet::kube
