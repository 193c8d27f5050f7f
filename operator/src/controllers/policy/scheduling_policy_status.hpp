#pragma once
// SchedulingPolicyStatus: the pure core of the SchedulingPolicy reconciler —
// what a policy's status says about the pairs it selects, or why it selects
// nothing (a selector that does not parse).

#include <cstdint>
#include <string>
#include <vector>

#include "api/v1alpha1/scheduling_policy.hpp"
#include "controllers/status/health.hpp"
#include "kube/util/clock.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

/// Status of a valid policy: observedGeneration, assignmentCount, the first
/// max_listed_assignments pairs in (workload, target) order, Ready=True
/// (reason SelectorsValid; Reconciling and Stalled False) and Degraded=False
/// merged into `current`'s conditions.
api::v1alpha1::SchedulingPolicyStatus policy_status(const api::v1alpha1::SchedulingPolicyStatus& current,
                                                    std::int64_t generation,
                                                    std::vector<api::v1alpha1::Assignment> pairs, kube::WallTime now);

/// Status of a policy that does not decode or validate: it selects nothing;
/// invalid_spec_conditions of `problem`, with Degraded.
api::v1alpha1::SchedulingPolicyStatus invalid_policy_status(const api::v1alpha1::SchedulingPolicyStatus& current,
                                                            std::int64_t generation, const SpecProblem& problem,
                                                            kube::WallTime now);

/// The status as far as it decodes, for an object whose spec does not.
api::v1alpha1::SchedulingPolicyStatus read_policy_status_leniently(const kube::Json& object);

/// True when `desired` differs from `current` in anything but lastTransitionTime.
bool policy_status_changed(const api::v1alpha1::SchedulingPolicyStatus& current,
                           const api::v1alpha1::SchedulingPolicyStatus& desired);

} // namespace labfleet::controllers
