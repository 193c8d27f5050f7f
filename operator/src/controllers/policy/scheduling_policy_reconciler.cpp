#include "controllers/policy/scheduling_policy_reconciler.hpp"

#include "api/v1alpha1/group_version.hpp"
#include "controllers/policy/assignments.hpp"
#include "controllers/domain_metrics.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/policy/scheduling_policy_status.hpp"
#include "controllers/status/status_patch.hpp"
#include "controllers/status/status_writer.hpp"

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

    const LenientHeader header = read_lenient_header(*object);
    if (header.metadata.deletion_timestamp) co_return ReconcileResult::done();

    api::v1alpha1::SchedulingPolicyStatus current;
    api::v1alpha1::SchedulingPolicyStatus desired;
    auto decoded = SchedulingPolicy::from_json(*object);
    if (const auto problem = spec_problem_of(decoded)) {
        current = read_policy_status_leniently(*object);
        desired = invalid_policy_status(current, header.metadata.generation, *problem, ctx_.clock.now());
    } else {
        current = decoded->status;
        desired = policy_status(current, decoded->metadata.generation,
                                assignments_of(decoded.value(), decode_workloads(ctx_.caches.workloads)->items,
                                               decode_targets(ctx_.caches.targets)->items),
                                ctx_.clock.now());
    }
    StatusWrite write{api::v1alpha1::scheduling_policies(), object, current.conditions, desired.conditions,
                      policy_status_changed(current, desired), to_json(desired)};
    // GCC 12 destroys a braced temporary passed to a coroutine parameter twice: pass named values.
    co_return co_await write_status(ctx_, std::move(write));
}

void SchedulingPolicyReconciler::publish_assignment_count() {
    if (!ctx_.metrics) return;
    const auto set = compute_assignments(decode_workloads(ctx_.caches.workloads)->items,
                                         decode_targets(ctx_.caches.targets)->items,
                                         decode_policies(ctx_.caches.policies)->items);
    ctx_.metrics->set_assignments(static_cast<int>(set.pairs.size()));
}

} // namespace labfleet::controllers
