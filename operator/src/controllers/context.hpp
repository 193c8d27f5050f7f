#pragma once
// Context: what every Labfleet reconciler gets from the manager — the caches
// it reads (never the API server), the client it writes through (leader-gated
// and dry-run aware), the clock, the event sink and the domain metrics.

#include <memory>
#include <set>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "api/v1alpha1/deployment_target.hpp"
#include "controllers/policy/assignments.hpp"
#include "controllers/clusters/cluster_access.hpp"
#include "controllers/target/deployment_target_status.hpp"
#include "kube/client/client.hpp"
#include "kube/util/clock.hpp"
#include "kube/events/event_sink.hpp"
#include "kube/util/logger.hpp"
#include "kube/cache/store.hpp"

namespace labfleet::controllers {

class DomainMetrics;

/// The informer caches, one per kind. Children (ConfigMaps, Deployments,
/// Services) are cached only when labelled app.kubernetes.io/managed-by=labfleet.
/// Making a Caches adds the indexes the controllers read: leases by target
/// (lease_target_index), children by their workload and target labels (each
/// index named after its label: workload_label, target_label).
struct Caches {
    Caches(kube::Store& workloads, kube::Store& targets, kube::Store& policies, kube::Store& leases,
           kube::Store& config_maps, kube::Store& deployments, kube::Store& services);

    kube::Store& workloads;
    kube::Store& targets;
    kube::Store& policies;
    kube::Store& leases;
    kube::Store& config_maps;
    kube::Store& deployments;
    kube::Store& services;
};

/// Adds the indexes the controllers read to a cache of children: by their
/// workload and target labels (each index named after its label).
void add_child_indexes(kube::Store& children);

/// The target namespaces known to exist, shared by the reconcilers that
/// write into them. Namespaces are not watched (that would take list and
/// watch on every namespace): a namespace is read, and created when absent,
/// the first time it is needed, and forgotten when a write finds it gone or
/// being deleted, so the next ensure() reads it again. "Created if missing"
/// thus holds at any time, with get and create as the only verbs used.
class TargetNamespaces {
public:
    /// Ready at once for a known namespace; otherwise a GET, then a create
    /// when absent (Terminating: neither, the caller looks again later).
    boost::asio::awaitable<std::pair<NamespaceState, std::string>> ensure(kube::Client& client, std::string name);
    /// The next ensure(name) reads the namespace again.
    void forget(const std::string& name) { known_.erase(name); }
    bool known(const std::string& name) const { return known_.contains(name); }

private:
    std::set<std::string> known_;
};

/// True when a server-side apply into a namespace failed because the
/// namespace is gone (NotFound: an apply creates an absent object, so only
/// its namespace can be missing) or being deleted (Forbidden, "being terminated").
bool namespace_missing(const kube::ApiError& error);

struct Context {
    kube::Client& client;
    const kube::Clock& clock;
    Caches caches;
    kube::EventSink& events;
    DomainMetrics* metrics = nullptr;  // null in tests that don't look at them
    /// Where targets may write (assignments.hpp: target_refusals).
    NamespaceRules namespace_rules{};
    /// Shared by every copy of the context, so one reconciler's finding
    /// that a namespace is gone reaches the others.
    std::shared_ptr<TargetNamespaces> namespaces = std::make_shared<TargetNamespaces>();
    /// Where the operator keeps objects of its own (the leader Lease's
    /// namespace): the served-leases records (served_leases.hpp).
    std::string operator_namespace = "default";
    /// The registered clusters that targets may name (spec.cluster); null:
    /// none, and a target naming one is never written to.
    RemoteClusters* remotes = nullptr;
    /// How long a deleted target in another cluster waits for its objects
    /// there to go (DeploymentTargetReconciler::finalize).
    std::chrono::milliseconds remote_cleanup_grace{std::chrono::minutes{10}};
};

/// How to reach `target`'s namespace: the operator's own client, or the
/// connection to its cluster, writable only while that cluster is the one
/// the target recorded (status.clusterUID, see cluster_access.hpp).
ClusterAccess access_for(const Context& ctx, const api::v1alpha1::DeploymentTarget& target);

/// The identity rule of cluster_access.hpp applied to `access`, a connection
/// to remote `cluster` for a target that recorded `recorded`: no client
/// unless the cluster's uid is known and equals it (reason and message say why).
void require_identity(ClusterAccess& access, const std::string& cluster, const std::string& recorded);

/// The connection to `cluster` without the identity check, for the target
/// reconciler that records the identity ("" = the operator's own).
ClusterAccess cluster_access(const Context& ctx, const std::string& cluster, const std::string& ns);

/// The caches of children in every cluster: the operator's own first.
std::vector<ChildStores> all_child_stores(const Context& ctx);

} // namespace labfleet::controllers
