#include "controllers/context.hpp"

#include "controllers/render/desired_objects.hpp"
#include "controllers/fleet_view.hpp"
#include "kube/client/rest.hpp"

// GCC 12 reports asio's awaitable frame allocation (unsized new, sized
// delete) as mismatched after inlining: a false positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace labfleet::controllers {

Caches::Caches(kube::Store& workloads, kube::Store& targets, kube::Store& policies, kube::Store& leases,
               kube::Store& config_maps, kube::Store& deployments, kube::Store& services)
    : workloads(workloads), targets(targets), policies(policies), leases(leases), config_maps(config_maps),
      deployments(deployments), services(services) {
    leases.add_index(lease_target_index, lease_target_of);
    for (kube::Store* children : {&config_maps, &deployments, &services}) add_child_indexes(*children);
}

void add_child_indexes(kube::Store& children) {
    children.add_index(workload_label, kube::index_by_label(workload_label));
    children.add_index(target_label, kube::index_by_label(target_label));
}

ClusterAccess cluster_access(const Context& ctx, const std::string& cluster, const std::string& ns) {
    if (cluster.empty()) return {nullptr, &ctx.client, ctx.namespaces.get(), "", "", "", true};
    if (ctx.remotes) return ctx.remotes->access(cluster, ns);
    ClusterAccess out;
    out.reason = cluster_invalid_reason;
    out.message = "cluster " + cluster + ": this operator manages no other clusters";
    return out;
}

void require_identity(ClusterAccess& access, const std::string& cluster, const std::string& recorded) {
    if (!access.client) return;
    if (recorded.empty() || access.uid.empty()) {
        access.client = nullptr;
        access.reason = cluster_pending_reason;
        access.message = "cluster " + cluster + ": waiting for the target to record the cluster's identity";
    } else if (recorded != access.uid) {
        access.client = nullptr;
        access.reason = cluster_changed_reason;
        access.message = "cluster " + cluster + " now leads to another cluster (kube-system uid " + access.uid +
                         ", recorded " + recorded + "): nothing is written or pruned there";
    }
}

ClusterAccess access_for(const Context& ctx, const api::v1alpha1::DeploymentTarget& target) {
    ClusterAccess out = cluster_access(ctx, target.cluster(), target.spec.target_namespace);
    if (!target.cluster().empty()) require_identity(out, target.cluster(), target.status.cluster_uid);
    return out;
}

std::vector<ChildStores> all_child_stores(const Context& ctx) {
    std::vector<ChildStores> out{{"", &ctx.caches.config_maps, &ctx.caches.deployments, &ctx.caches.services}};
    if (ctx.remotes)
        for (auto& stores : ctx.remotes->child_stores()) out.push_back(stores);
    return out;
}

boost::asio::awaitable<std::pair<NamespaceState, std::string>> TargetNamespaces::ensure(kube::Client& client,
                                                                                       std::string name) {
    if (known_.contains(name)) co_return std::pair{NamespaceState::Ready, std::string{}};
    // GCC 12 destroys a braced temporary passed to a coroutine parameter twice: pass named values.
    const kube::ObjectKey key{"", name};
    const std::string cluster_scope;
    auto found = co_await kube::rest::get(client, kube::resources::namespaces(), key);
    if (found.ok()) {
        const kube::Json::json_pointer deleting("/metadata/deletionTimestamp");
        if (found->contains(deleting) && !found->at(deleting).is_null())
            co_return std::pair{NamespaceState::Terminating, std::string{}};
        known_.insert(name);
        co_return std::pair{NamespaceState::Ready, std::string{}};
    }
    if (found.error().reason != kube::ErrorReason::NotFound)
        co_return std::pair{NamespaceState::Failed, "read: " + found.error().describe()};
    auto created = co_await kube::rest::create(client, kube::resources::namespaces(), cluster_scope,
                                              namespace_object(name));
    if (created.ok() || created.error().reason == kube::ErrorReason::AlreadyExists) {
        known_.insert(name);
        co_return std::pair{NamespaceState::Ready, std::string{}};
    }
    co_return std::pair{NamespaceState::Failed, "create: " + created.error().describe()};
}

bool namespace_missing(const kube::ApiError& error) {
    // An apply creates an absent object: NotFound can only be its namespace.
    if (error.reason == kube::ErrorReason::NotFound) return true;
    return error.reason == kube::ErrorReason::Forbidden && error.message.find("being terminated") != std::string::npos;
}

} // namespace labfleet::controllers
