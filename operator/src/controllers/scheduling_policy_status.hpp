#pragma once
// SchedulingPolicyStatus: the pure core of the SchedulingPolicy reconciler —
// what a policy's status says about the pairs it selects, or why it selects
// nothing (a selector that does not parse).

#include <cstdint>
#include <string>
#include <vector>

#include "api/v1alpha1/scheduling_policy.hpp"
#include "kube/util/clock.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

/// Status of a valid policy: observedGeneration, assignmentCount, the first
/// max_listed_assignments pairs in (workload, target) order, Ready=True and
/// Degraded=False merged into `current`'s conditions.
api::v1alpha1::SchedulingPolicyStatus policy_status(const api::v1alpha1::SchedulingPolicyStatus& current,
                                                    std::int64_t generation,
                                                    std::vector<api::v1alpha1::Assignment> pairs, kube::WallTime now);

/// Status of a policy that does not decode or validate: it selects nothing;
/// Ready=False and Degraded=True with `message`, reason InvalidSelector when
/// the failing field is a selector, InvalidSpec otherwise.
api::v1alpha1::SchedulingPolicyStatus invalid_policy_status(const api::v1alpha1::SchedulingPolicyStatus& current,
                                                            std::int64_t generation, const std::string& field,
                                                            const std::string& message, kube::WallTime now);

/// The status as far as it decodes, for an object whose spec does not.
api::v1alpha1::SchedulingPolicyStatus read_policy_status_leniently(const kube::Json& object);

/// True when `desired` differs from `current` in anything but lastTransitionTime.
bool policy_status_changed(const api::v1alpha1::SchedulingPolicyStatus& current,
                           const api::v1alpha1::SchedulingPolicyStatus& desired);

} // namespace labfleet::controllers
