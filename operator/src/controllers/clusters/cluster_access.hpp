#pragma once
// ClusterAccess: how a reconciler reaches the cluster a target names
// (DeploymentTarget.spec.cluster; "" is the operator's own). The remote
// clusters are kept by clusters/ClusterRegistry; the controllers see them only
// through RemoteClusters, so they are tested without connections.
//
// Invariant: nothing is written into a remote cluster unless its identity
// (the uid of its kube-system namespace) equals the one the target recorded
// (status.clusterUID). A Secret edited to lead elsewhere stops the writes.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kube/cache/store.hpp"
#include "kube/client/client.hpp"

namespace labfleet::controllers {

class TargetNamespaces;

/// One cluster's caches of Labfleet's children (in one namespace, for a remote).
struct ChildStores {
    std::string cluster;  // "" = the operator's own
    kube::Store* config_maps;
    kube::Store* deployments;
    kube::Store* services;
};

/// Reasons a remote target cannot be written to now (its Ready condition's reason).
inline constexpr const char* cluster_unreachable_reason = "ClusterUnreachable";
inline constexpr const char* cluster_invalid_reason = "ClusterCredentialsInvalid";
inline constexpr const char* cluster_changed_reason = "ClusterChanged";
inline constexpr const char* cluster_pending_reason = "ClusterConnecting";
inline constexpr const char* cluster_forbidden_reason = "ClusterPermissionsMissing";
/// How soon a reconciler looks again at a cluster that is connecting: the
/// registry tells of state changes, but a cache's first list of an empty
/// namespace changes nothing anyone hears of.
inline constexpr std::chrono::seconds cluster_pending_recheck{2};

struct ClusterAccess {
    /// Keeps the connection (and so `client`) alive while a reconcile uses it.
    std::shared_ptr<void> hold;
    kube::Client* client = nullptr;  // null: nothing may be written now; reason and message say why
    TargetNamespaces* namespaces = nullptr;
    std::string uid;                  // the cluster's kube-system uid, once read
    std::string reason, message;      // why client is null
    /// The caches of the target namespace's children are synced (a write
    /// before that would not know what exists).
    bool synced = false;

    bool writable() const { return client != nullptr && synced; }
};

class RemoteClusters {
public:
    virtual ~RemoteClusters() = default;
    /// The connection to registered cluster `cluster` for namespace `ns`
    /// (client null when it is not up, with the reason; synced when the
    /// caches of `ns` there have their first list).
    virtual ClusterAccess access(const std::string& cluster, const std::string& ns) = 0;
    /// The caches of every open remote namespace.
    virtual std::vector<ChildStores> child_stores() const = 0;
    /// This installation's name on the children it writes into other clusters
    /// (installation_label): the uid of the home cluster's kube-system namespace.
    /// Empty until learnt; no connection opens before.
    virtual std::string installation() const = 0;
};

} // namespace labfleet::controllers
