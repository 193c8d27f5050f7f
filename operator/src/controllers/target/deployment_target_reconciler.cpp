#include "controllers/target/deployment_target_reconciler.hpp"

#include "api/v1alpha1/group_version.hpp"
#include "controllers/policy/assignments.hpp"
#include "controllers/status/conditions.hpp"
#include "controllers/render/desired_objects.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/status/health.hpp"
#include "controllers/clusters/remote_finalizer.hpp"
#include "controllers/status/status_patch.hpp"
#include "controllers/status/status_writer.hpp"
#include "controllers/workload/workload_sync.hpp"
#include "kube/client/rest.hpp"
#include "kube/json/json_fields.hpp"

// GCC 12 reports asio's awaitable frame allocation (unsized new, sized
// delete) as mismatched after inlining: a false positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace labfleet::controllers {

using api::v1alpha1::DeploymentTarget;
using kube::ReconcileResult;

namespace {

/// Why the remote cluster of `target` cannot be written to now; nullopt when
/// it can. Records the cluster's identity in `uid` on first contact.
std::optional<Health> cluster_problem(const DeploymentTarget& target, const ClusterAccess& reach, std::string& uid) {
    if (!reach.client) {
        if (reach.reason == cluster_invalid_reason || reach.reason == cluster_forbidden_reason)
            return Health::stalled(reach.reason, reach.message);
        return Health::reconciling(reach.reason, reach.message);
    }
    // Not listed, or the identity's permissions not reviewed yet: nothing is read or written there before.
    if (!reach.synced) return Health::reconciling(cluster_pending_reason, reach.message);
    if (uid.empty()) uid = reach.uid;
    ClusterAccess guarded = reach;
    require_identity(guarded, target.cluster(), uid);
    if (guarded.client) return std::nullopt;
    if (guarded.reason == cluster_changed_reason)
        return Health::stalled(guarded.reason, guarded.message + "; re-create the target to accept it");
    return Health::reconciling(guarded.reason, guarded.message);
}

} // namespace

DeploymentTargetReconciler::DeploymentTargetReconciler(Context context)
    : ctx_(context), log_(kube::default_logger().named("deploymenttarget")) {}

boost::asio::awaitable<ReconcileResult> DeploymentTargetReconciler::finalize(kube::ObjectPtr object,
                                                                             DeploymentTarget target) {
    const std::string& name = target.metadata.name;
    // Its objects in its cluster, as cached (a namespace of the same name elsewhere is another target's).
    std::vector<CachedChild> left = cached_children(all_child_stores(ctx_), target_label, name);
    std::erase_if(left, [&](const CachedChild& child) { return child.cluster != target.cluster(); });
    const ClusterAccess reach = access_for(ctx_, target);
    if (reach.writable()) {
        if (left.empty()) {
            log_.info("objects in its cluster removed: letting the target go", {{"target", name}, {"cluster", target.cluster()}});
            co_return co_await write_remote_finalizer(ctx_, api::v1alpha1::deployment_targets(), *object, false);
        }
        std::vector<std::string> failures;
        for (const CachedChild& child : left) {
            const kube::ResourceType type = resource_type_of(child.kind);
            const kube::ObjectKey key = kube::Store::key_of(*child.object);
            kube::DeleteOptions options;
            if (const std::string uid = kube::string_at(*child.object, "/metadata/uid"); !uid.empty())
                options.precondition_uid = uid;
            log_.info("deleting an object of a deleted target", {{"target", name}, {"cluster", target.cluster()},
                                                                 {"kind", type.kind}, {"object", key.str()}});
            auto removed = co_await kube::rest::remove(*reach.client, type, key, options);
            if (!removed.ok() && removed.error().reason != kube::ErrorReason::NotFound)
                failures.push_back("delete " + type.kind + " " + key.str() + ": " + removed.error().describe());
        }
        if (!failures.empty()) co_return ReconcileResult::failed(failures.front());
        // The caches show the deletes; the next look lets the target go.
        co_return ReconcileResult::requeue_after(std::chrono::seconds{1});
    }
    if (const auto left_of_grace = remote_grace_left(ctx_, *target.metadata.deletion_timestamp))
        co_return ReconcileResult::requeue_after(remote_grace_recheck(*left_of_grace));
    std::string what = left.empty() ? "its objects" : std::to_string(left.size()) + " objects";
    const std::string note = "cluster " + target.cluster() + " could not be written to within the grace of " +
                             std::to_string(ctx_.remote_cleanup_grace.count() / 1000) + "s (" + reach.message +
                             "): " + what + " labelled " + std::string(target_label) + "=" + name + " in namespace " +
                             target.spec.target_namespace + " are left there";
    log_.warn("letting a deleted target go, leaving its objects", {{"target", name}, {"note", note}});
    ctx_.events.record(*object, kube::EventType::Warning, remote_objects_left_reason, note, "Delete");
    co_return co_await write_remote_finalizer(ctx_, api::v1alpha1::deployment_targets(), *object, false);
}

boost::asio::awaitable<ReconcileResult> DeploymentTargetReconciler::reconcile(std::string key) {
    const kube::ObjectPtr object = ctx_.caches.targets.get({"", key});
    if (!object) co_return ReconcileResult::done();
    const LenientHeader header = read_lenient_header(*object);
    auto decoded = DeploymentTarget::from_json(*object);
    if (header.metadata.deletion_timestamp) {
        if (!has_remote_finalizer(*object)) co_return ReconcileResult::done();
        if (decoded.ok()) co_return co_await finalize(object, decoded.value());
        // Its cluster cannot be told: nothing can be removed, and holding the object would not change that.
        log_.warn("deleted target does not decode: its finalizer is removed, objects in its cluster are left",
                  {{"target", key}, {"error", decoded.error().describe()}});
        co_return co_await write_remote_finalizer(ctx_, api::v1alpha1::deployment_targets(), *object, false);
    }
    const kube::ResourceType type = api::v1alpha1::deployment_targets();
    if (const auto problem = spec_problem_of(decoded)) {
        api::v1alpha1::DeploymentTargetStatus current;
        if (decoded.ok()) current = decoded->status;
        else current.conditions = header.conditions;
        const auto desired = invalid_target_status(current, header.metadata.generation, *problem, ctx_.clock.now());
        // Only observedGeneration and conditions: the counts keep describing what runs.
        StatusWrite write{type, object, current.conditions, desired.conditions, target_status_changed(current, desired),
                          {{"observedGeneration", desired.observed_generation},
                           {"conditions", to_json(desired.conditions)}}};
        // GCC 12 destroys a braced temporary passed to a coroutine parameter twice: pass named values.
        co_return co_await write_status(ctx_, std::move(write));
    }

    const DeploymentTarget& target = decoded.value();
    if (!target.cluster().empty() && !has_remote_finalizer(*object))
        co_return co_await write_remote_finalizer(ctx_, type, *object, true);
    TargetFacts facts;
    const auto workloads = decode_workloads(ctx_.caches.workloads);
    const std::vector<DeploymentTarget> one{target};
    std::set<std::string> assigned;
    for (const auto& policy : decode_policies(ctx_.caches.policies)->items)
        for (const auto& pair : assignments_of(policy, workloads->items, one)) assigned.insert(pair.workload);
    facts.workloads = static_cast<std::int64_t>(assigned.size());
    facts.leases = leases_of_target(decode_leases_of(ctx_.caches, key), key);
    const auto refusals = refusals_of(decode_targets(ctx_.caches.targets), ctx_.namespace_rules);
    facts.cluster_uid = target.status.cluster_uid;  // kept while nothing is learnt (paused, refused, down)
    ReconcileResult outcome = ReconcileResult::done();
    if (const auto refused = refusals->find(key); refused != refusals->end()) {
        facts.refusal = SpecProblem{refused->second.reason, refused->second.message};
    } else if (!target.spec.paused) {
        ClusterAccess reach = cluster_access(ctx_, target.cluster(), target.spec.target_namespace);
        if (!target.cluster().empty()) facts.cluster_problem = cluster_problem(target, reach, facts.cluster_uid);
        if (facts.cluster_problem) {
            const auto desired = target_status(target, facts, ctx_.clock.now());
            StatusWrite write{type, object, target.status.conditions, desired.conditions,
                              target_status_changed(target.status, desired), target_status_merge_json(desired)};
            // The registry queues the target again when its cluster changes; a cache still
            // listing tells nobody when it is done, so that wait is polled.
            const auto written = co_await write_status(ctx_, std::move(write));
            if (written.kind == ReconcileResult::Kind::Done && facts.cluster_problem->reason == cluster_pending_reason)
                co_return ReconcileResult::requeue_after(cluster_pending_recheck);
            co_return written;
        }
        auto [state, error] = co_await reach.namespaces->ensure(*reach.client, target.spec.target_namespace);
        facts.namespace_state = state;
        facts.namespace_error = error;
        if (state == NamespaceState::Failed) outcome = ReconcileResult::failed("ensure namespace: " + error);
        if (state == NamespaceState::Terminating)
            outcome = ReconcileResult::requeue_after(terminating_namespace_recheck);
    }
    const auto desired = target_status(target, facts, ctx_.clock.now());
    StatusWrite write{type, object, target.status.conditions, desired.conditions,
                      target_status_changed(target.status, desired), target_status_merge_json(desired)};
    const auto written = co_await write_status(ctx_, std::move(write));
    co_return written.kind == ReconcileResult::Kind::Done ? outcome : written;
}

} // namespace labfleet::controllers
