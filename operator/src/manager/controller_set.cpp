#include "manager/controller_set.hpp"

#include <boost/asio/co_spawn.hpp>

#include "controllers/target/deployment_target_reconciler.hpp"
#include "controllers/lease/environment_lease_reconciler.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/key_mappers.hpp"
#include "controllers/policy/scheduling_policy_reconciler.hpp"
#include "controllers/workload/workload_reconciler.hpp"
#include "kube/json/json_fields.hpp"

namespace labfleet::manager {

using namespace controllers;

namespace {

/// Options of controller `name` with `workers` concurrent reconciles; `abort_in_reconcile`
/// ("controller:key") sets its test-only fault hook.
kube::ControllerOptions options_for(const std::string& name, int workers, kube::CrashRecord* crash_record,
                                    const std::string& abort_in_reconcile) {
    kube::ControllerOptions out{name, workers, {}, crash_record, {}};
    if (abort_in_reconcile.starts_with(name + ":")) out.abort_in_reconcile_of = abort_in_reconcile.substr(name.size() + 1);
    return out;
}

/// How long a workload lets routine changes settle before it is reconciled: its own status (each
/// write of it comes back through the watch), its children's creation (announced by the watch once
/// Labfleet has created them), their status and the annotations their controllers add (a
/// Deployment reports its rollout in steps: observed, updated, available). Each would otherwise
/// bring a reconcile, and often a status write, of its own. Settling changes queue behind all
/// others, so that while a fleet converges the child writes go first and each workload's status is
/// written once they are seen. A change of a workload's spec or metadata, of a child's content or
/// labels (drift) and a child's deletion are reconciled at once; an Active lease's Serving watches
/// the Deployments without delay.
constexpr std::chrono::milliseconds settle_delay{1000};

} // namespace

/// The reconcilers and their controllers, owned together.
struct ControllerSet::Parts {
    Parts(boost::asio::any_io_executor executor, Context& context, kube::RuntimeMetrics& metrics,
          const RunOptions& options, kube::CrashRecord* record, const std::string& abort)
        : workload_reconciler(context),
          policy_reconciler(context),
          target_reconciler(context),
          lease_reconciler(context, {.retention = options.lease_history_retention}),
          workloads(executor, context.clock, options_for("workload", options.workers, record, abort),
                    workload_reconciler, &metrics),
          policies(executor, context.clock, options_for("schedulingpolicy", options.workers, record, abort),
                   policy_reconciler, &metrics),
          targets(executor, context.clock, options_for("deploymenttarget", options.workers, record, abort),
                  target_reconciler, &metrics),
          leases(executor, context.clock, options_for("environmentlease", options.lease_workers, record, abort),
                 lease_reconciler, &metrics) {}

    WorkloadReconciler workload_reconciler;
    SchedulingPolicyReconciler policy_reconciler;
    DeploymentTargetReconciler target_reconciler;
    EnvironmentLeaseReconciler lease_reconciler;
    kube::Controller workloads;
    kube::Controller policies;
    kube::Controller targets;
    kube::Controller leases;  // keyed by target: all leases of a target are decided together
};

ControllerSet::ControllerSet(boost::asio::any_io_executor executor, controllers::Context& context,
                             kube::RuntimeMetrics& metrics, const RunOptions& options,
                             kube::CrashRecord* crash_record, const std::string& abort_in_reconcile)
    : executor_(executor), context_(context),
      parts_(std::make_unique<Parts>(executor, context, metrics, options, crash_record, abort_in_reconcile)) {
    auto& caches = context.caches;
    auto& p = *parts_;

    // Secondary watches skip status-only updates (the filters): a target's or
    // workload's status churn changes no assignment, and a lease matters to
    // others only through its spec and phase (and, for the target's
    // activeLease, its expiresAt).
    const kube::UpdateFilter declared = kube::spec_or_labels_changed;
    // A remote target's recorded cluster identity is what lets its workloads write there.
    const kube::UpdateFilter declared_or_identity = [](const kube::Json& old_target, const kube::Json& new_target) {
        const kube::Json::json_pointer identity("/status/clusterUID");
        return kube::spec_or_labels_changed(old_target, new_target) ||
               old_target.value(identity, kube::Json()) != new_target.value(identity, kube::Json());
    };
    p.workloads.watch_primary(caches.workloads, {}, {.prompt = kube::more_than_status_changed, .delay = settle_delay});
    watch_children({"", &caches.config_maps, &caches.deployments, &caches.services});
    p.workloads.watch(caches.targets, map_target_to_workloads(caches), declared_or_identity);
    p.workloads.watch(caches.policies, map_policy_to_workloads(caches), declared);
    p.workloads.watch(caches.leases, map_lease_to_workloads(caches), lease_holding_changed);

    p.policies.watch_primary(caches.policies);
    p.policies.watch(caches.workloads, map_to_all_keys(caches.policies), declared);
    p.policies.watch(caches.targets, map_to_all_keys(caches.policies), declared);

    p.targets.watch_primary(caches.targets);
    p.targets.watch(caches.targets, map_target_to_namespace_peers(caches.targets), declared);
    p.targets.watch(caches.leases, map_lease_to_target(), lease_shown_on_target_changed);
    p.targets.watch(caches.workloads, map_to_all_keys(caches.targets), declared);
    p.targets.watch(caches.policies, map_to_all_keys(caches.targets), declared);

    p.leases.watch(caches.leases, map_lease_to_target());
    p.leases.watch_primary(caches.targets, declared);
    // Which workloads a target has decides whether a lease's overrides are valid.
    p.leases.watch(caches.workloads, map_to_targets_with_lease_overrides(caches.leases), declared);
    p.leases.watch(caches.policies, map_to_targets_with_lease_overrides(caches.leases), declared);
    // A lease deleted outright is a release (the lease watch queues its
    // target). Only while the controllers run: a standby plans nothing, so
    // it keeps nothing.
    caches.leases.add_handlers({.on_delete = [this](const kube::ObjectPtr& lease) {
        if (running_ > 0) parts_->lease_reconciler.lease_deleted(*lease);
    }});

    controllers_ = {&p.workloads, &p.policies, &p.targets, &p.leases};
}

ControllerSet::~ControllerSet() = default;

void ControllerSet::watch_children(const controllers::ChildStores& stores) {
    auto& p = *parts_;
    for (auto* children : {stores.config_maps, stores.deployments, stores.services}) {
        p.workloads.watch(*children, map_child_to_workload(), {},
                          {.prompt = kube::content_or_labels_changed, .adds = true, .delay = settle_delay});
        children->add_handlers({.on_add = [this](const kube::ObjectPtr& child) {
            for (const auto& workload : controllers::workload_keys_for_child(*child))
                parts_->workload_reconciler.child_cached(workload, kube::Store::key_of(*child));
        }});
    }
    // A rollout (status included) may change the Active lease's Serving condition.
    p.leases.watch(*stores.deployments, map_deployment_to_lease_target(context_.caches));
    // So may a workshop ConfigMap's content (the mapper reads only the target label).
    p.leases.watch(*stores.config_maps, map_deployment_to_lease_target(context_.caches));
}

void ControllerSet::cluster_changed(const std::string& cluster) {
    auto& p = *parts_;
    const auto to_workloads = map_target_to_workloads(context_.caches);
    for (const auto& object : context_.caches.targets.list()) {
        const std::string named = kube::string_at(*object, "/spec/cluster/name");
        if (named != cluster) continue;
        const std::string key = kube::key_of_object(*object);
        p.targets.enqueue(key);
        p.leases.enqueue(key);
        for (const auto& workload : to_workloads(*object)) p.workloads.enqueue(workload);
    }
    // And every workload with children there, deleted ones included: what could not be pruned
    // while the cluster was away is pruned when it answers again.
    for (const auto& stores : all_child_stores(context_))
        if (stores.cluster == cluster)
            for (const auto* children : {stores.config_maps, stores.deployments, stores.services})
                for (const auto& workload : children->index_values(workload_label)) p.workloads.enqueue(workload);
}

void ControllerSet::start() {
    // Everything a first sync's handlers would queue is queued here, so the
    // packed caches sync without telling them (StoreOptions::silent_first_sync).
    auto& caches = context_.caches;
    parts_->workloads.enqueue_all(caches.workloads);
    for (const auto& workload : controllers::workloads_named_by_children(caches))
        parts_->workloads.enqueue(workload, kube::Priority::Low);
    parts_->policies.enqueue_all(caches.policies);
    parts_->targets.enqueue_all(caches.targets);
    parts_->leases.enqueue_all(caches.targets);
    for (const auto& lease : caches.leases.list())
        for (const auto& key : lease_target_of(*lease)) parts_->leases.enqueue(key, kube::Priority::Low);
    for (auto* controller : controllers_) {
        ++running_;
        boost::asio::co_spawn(executor_, controller->run(), [this](std::exception_ptr error) {
            --running_;
            if (error) std::rethrow_exception(error);
        });
    }
}

void ControllerSet::stop() {
    for (auto* controller : controllers_) controller->stop();
}

} // namespace labfleet::manager
