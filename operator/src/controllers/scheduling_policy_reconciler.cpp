#include "controllers/scheduling_policy_reconciler.hpp"

#include "api/v1alpha1/group_version.hpp"
#include "controllers/assignments.hpp"
#include "controllers/domain_metrics.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/scheduling_policy_status.hpp"
#include "controllers/status_patch.hpp"
#include "kube/client/rest.hpp"

// GCC 12 reports asio's awaitable frame allocation (unsized new, sized
// delete) as mismatched after inlining: a false positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace labfleet::controllers {

using api::v1alpha1::SchedulingPolicy;
using kube::ReconcileResult;

SchedulingPolicyReconciler::SchedulingPolicyReconciler(Context context) : ctx_(context) {}

boost::asio::awaitable<ReconcileResult> SchedulingPolicyReconciler::reconcile(std::string key) {
    publish_assignment_count();
    const kube::ObjectPtr object = ctx_.caches.policies.get({"", key});
    if (!object) co_return ReconcileResult::done();

    api::v1alpha1::SchedulingPolicyStatus current;
    api::v1alpha1::SchedulingPolicyStatus desired;
    const LenientHeader header = read_lenient_header(*object);
    if (header.metadata.deletion_timestamp) co_return ReconcileResult::done();

    auto decoded = SchedulingPolicy::from_json(*object);
    std::vector<api::v1alpha1::FieldError> errors;
    if (!decoded.ok()) errors.push_back(api::v1alpha1::field_error_of(decoded.error()));
    else errors = validate(decoded.value());

    if (errors.empty()) {
        current = decoded->status;
        desired = policy_status(current, decoded->metadata.generation,
                                assignments_of(decoded.value(), decode_workloads(ctx_.caches.workloads)->items,
                                               decode_targets(ctx_.caches.targets)->items),
                                ctx_.clock.now());
    } else {
        current = read_policy_status_leniently(*object);
        desired = invalid_policy_status(current, header.metadata.generation, errors.front().field,
                                        errors.front().message, ctx_.clock.now());
        const auto* before = api::v1alpha1::find_condition(current.conditions, "Degraded");
        const auto* now = api::v1alpha1::find_condition(desired.conditions, "Degraded");
        if (before == nullptr || before->status != "True" || before->message != now->message)
            ctx_.events.record(event_regarding(*object, api::v1alpha1::api_version, "SchedulingPolicy"),
                               kube::EventType::Warning, now->reason, now->message, "Validate");
    }
    if (!policy_status_changed(current, desired)) co_return ReconcileResult::done();

    // GCC 12 destroys a braced temporary passed to a coroutine parameter twice: pass named values.
    const kube::ObjectKey object_key{"", key};
    auto written = co_await kube::rest::patch_status(
        ctx_.client, api::v1alpha1::scheduling_policies(), object_key, kube::PatchType::Merge,
        status_merge_patch(header.metadata.resource_version, to_json(desired)));
    if (written.ok()) co_return ReconcileResult::done();
    if (written.error().reason == kube::ErrorReason::Conflict || written.error().reason == kube::ErrorReason::NotFound)
        co_return ReconcileResult::requeue("status of " + key + ": stale cache");
    co_return ReconcileResult::failed("write status of " + key + ": " + written.error().describe());
}

void SchedulingPolicyReconciler::publish_assignment_count() {
    if (!ctx_.metrics) return;
    const auto set = compute_assignments(decode_workloads(ctx_.caches.workloads)->items,
                                         decode_targets(ctx_.caches.targets)->items,
                                         decode_policies(ctx_.caches.policies)->items);
    ctx_.metrics->set_assignments(static_cast<int>(set.pairs.size()));
}

} // namespace labfleet::controllers
