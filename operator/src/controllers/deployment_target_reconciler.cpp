#include "controllers/deployment_target_reconciler.hpp"

#include "api/v1alpha1/group_version.hpp"
#include "controllers/assignments.hpp"
#include "controllers/conditions.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/health.hpp"
#include "controllers/status_patch.hpp"
#include "controllers/status_writer.hpp"

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
        if (reach.reason == cluster_invalid_reason) return Health::stalled(reach.reason, reach.message);
        return Health::reconciling(reach.reason, reach.message);
    }
    if (uid.empty()) uid = reach.uid;
    if (uid != reach.uid)
        return Health::stalled(cluster_changed_reason,
                               "cluster " + target.cluster() + " now leads to another cluster (kube-system uid " +
                                   reach.uid + ", recorded " + uid +
                                   "): nothing is written or pruned there; re-create the target to accept it");
    return std::nullopt;
}

} // namespace

DeploymentTargetReconciler::DeploymentTargetReconciler(Context context) : ctx_(context) {}

boost::asio::awaitable<ReconcileResult> DeploymentTargetReconciler::reconcile(std::string key) {
    const kube::ObjectPtr object = ctx_.caches.targets.get({"", key});
    if (!object) co_return ReconcileResult::done();
    const LenientHeader header = read_lenient_header(*object);
    if (header.metadata.deletion_timestamp) co_return ReconcileResult::done();

    auto decoded = DeploymentTarget::from_json(*object);
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
    TargetFacts facts;
    const auto workloads = decode_workloads(ctx_.caches.workloads);
    const std::vector<DeploymentTarget> one{target};
    std::set<std::string> assigned;
    for (const auto& policy : decode_policies(ctx_.caches.policies)->items)
        for (const auto& pair : assignments_of(policy, workloads->items, one)) assigned.insert(pair.workload);
    facts.workloads = static_cast<std::int64_t>(assigned.size());
    facts.leases = leases_of_target(decode_leases_of(ctx_.caches, key), key);
    const auto refusals = target_refusals(decode_targets(ctx_.caches.targets)->items, ctx_.namespace_rules);
    facts.cluster_uid = target.status.cluster_uid;  // kept while nothing is learnt (paused, refused, down)
    ReconcileResult outcome = ReconcileResult::done();
    if (const auto refused = refusals.find(key); refused != refusals.end()) {
        facts.refusal = SpecProblem{refused->second.reason, refused->second.message};
    } else if (!target.spec.paused) {
        ClusterAccess reach = cluster_access(ctx_, target.cluster(), target.spec.target_namespace);
        if (!target.cluster().empty()) facts.cluster_problem = cluster_problem(target, reach, facts.cluster_uid);
        if (facts.cluster_problem) {
            const auto desired = target_status(target, facts, ctx_.clock.now());
            StatusWrite write{type, object, target.status.conditions, desired.conditions,
                              target_status_changed(target.status, desired), target_status_merge_json(desired)};
            // The registry queues the target again when its cluster changes.
            co_return co_await write_status(ctx_, std::move(write));
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
