#include "controllers/deployment_target_reconciler.hpp"

#include "api/v1alpha1/group_version.hpp"
#include "controllers/assignments.hpp"
#include "controllers/conditions.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/status_patch.hpp"
#include "kube/client/rest.hpp"

// GCC 12 reports asio's awaitable frame allocation (unsized new, sized
// delete) as mismatched after inlining: a false positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace labfleet::controllers {

using api::v1alpha1::DeploymentTarget;
using kube::ReconcileResult;

DeploymentTargetReconciler::DeploymentTargetReconciler(Context context) : ctx_(context) {}

boost::asio::awaitable<ReconcileResult> DeploymentTargetReconciler::reconcile(std::string key) {
    const kube::ObjectPtr object = ctx_.caches.targets.get({"", key});
    if (!object) co_return ReconcileResult::done();
    const LenientHeader header = read_lenient_header(*object);
    if (header.metadata.deletion_timestamp) co_return ReconcileResult::done();

    auto decoded = DeploymentTarget::from_json(*object);
    std::string invalid;
    if (!decoded.ok()) invalid = api::v1alpha1::field_error_of(decoded.error()).str();
    else if (const auto errors = validate(decoded.value()); !errors.empty()) invalid = api::v1alpha1::join(errors);

    kube::Json patch;
    ReconcileResult outcome = ReconcileResult::done();
    if (!invalid.empty()) {
        api::v1alpha1::DeploymentTargetStatus current;
        if (decoded.ok()) current = decoded->status;
        else current.conditions = header.conditions;
        const auto* before = api::v1alpha1::find_condition(current.conditions, "Ready");
        const auto desired = invalid_target_status(current, header.metadata.generation, invalid, ctx_.clock.now());
        if (!target_status_changed(current, desired)) co_return ReconcileResult::done();
        if (before == nullptr || before->reason != "InvalidSpec" || before->message != invalid)
            ctx_.events.record(event_regarding(*object, api::v1alpha1::api_version, "DeploymentTarget"),
                               kube::EventType::Warning, "InvalidSpec", invalid, "Validate");
        patch = {{"observedGeneration", desired.observed_generation}, {"conditions", to_json(desired.conditions)}};
    } else {
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
        const auto refused = refusals.find(key);
        if (refused == refusals.end() && !target.spec.paused) {
            auto [state, error] = co_await ctx_.namespaces->ensure(ctx_.client, target.spec.target_namespace);
            facts.namespace_state = state;
            facts.namespace_error = error;
            if (state == NamespaceState::Failed) outcome = ReconcileResult::failed("ensure namespace: " + error);
            if (state == NamespaceState::Terminating)
                outcome = ReconcileResult::requeue_after(terminating_namespace_recheck);
        }
        auto desired = target_status(target, facts, ctx_.clock.now());
        if (refused != refusals.end()) {
            const auto* before = api::v1alpha1::find_condition(target.status.conditions, "Ready");
            set_condition(desired.conditions, {"Ready", "False", refused->second.reason, refused->second.message},
                          desired.observed_generation, ctx_.clock.now());
            if (before == nullptr || before->reason != refused->second.reason ||
                before->message != refused->second.message)
                ctx_.events.record(event_regarding(*object, api::v1alpha1::api_version, "DeploymentTarget"),
                                   kube::EventType::Warning, refused->second.reason, refused->second.message,
                                   "Validate");
        }
        if (!target_status_changed(target.status, desired)) co_return outcome;
        patch = target_status_merge_json(desired);
    }

    // GCC 12 destroys a braced temporary passed to a coroutine parameter twice: pass named values.
    const kube::ObjectKey object_key{"", key};
    auto written = co_await kube::rest::patch_status(ctx_.client, api::v1alpha1::deployment_targets(), object_key,
                                                     kube::PatchType::Merge,
                                                     status_merge_patch(header.metadata.resource_version, patch));
    if (written.ok()) co_return outcome;
    if (written.error().reason == kube::ErrorReason::Conflict || written.error().reason == kube::ErrorReason::NotFound)
        co_return ReconcileResult::requeue("status of " + key + ": stale cache");
    co_return ReconcileResult::failed("write status of " + key + ": " + written.error().describe());
}

} // namespace labfleet::controllers
