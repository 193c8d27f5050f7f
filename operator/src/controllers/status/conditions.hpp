#pragma once
// Conditions: merging freshly computed metav1.Conditions into the ones an
// object already carries, so lastTransitionTime moves only when a status
// flips, and comparing condition lists the way "did anything change?" needs.

#include <string>
#include <vector>

#include "api/v1alpha1/condition.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::controllers {

using api::v1alpha1::Condition;

/// A condition as a reconcile computes it (no generation, no time yet).
struct ConditionUpdate {
    std::string type;
    std::string status;  // "True" | "False" | "Unknown"
    std::string reason;
    std::string message;
};

/// Sets `update` in `conditions` with `observed_generation`: an existing
/// condition of that type keeps its lastTransitionTime unless its status
/// flips (then it becomes `now`); a new one, or one without a time, gets `now`.
/// The message is bounded (bounded_message, status_bounds.hpp): this is the
/// one place every condition Labfleet writes passes through.
/// Other types are kept, in their order.
void set_condition(std::vector<Condition>& conditions, const ConditionUpdate& update,
                   std::int64_t observed_generation, kube::WallTime now);

/// The conditions `existing` becomes with every update set (in order), as
/// set_condition does one by one; every condition, updated or kept, then
/// carries `observed_generation`: the status describes that generation whole.
std::vector<Condition> merge_conditions(std::vector<Condition> existing, const std::vector<ConditionUpdate>& updates,
                                        std::int64_t observed_generation, kube::WallTime now);

/// Same types in the same order with equal fields except lastTransitionTime.
bool same_conditions_ignoring_time(const std::vector<Condition>& a, const std::vector<Condition>& b);

/// "True" / "False".
inline std::string condition_status(bool value) { return value ? "True" : "False"; }

} // namespace labfleet::controllers
