#include "controllers/policy/scheduling_policy_status.hpp"

#include <algorithm>
#include <limits>

#include "api/v1alpha1/field_reader.hpp"
#include "controllers/status/conditions.hpp"
#include "controllers/status/status_bounds.hpp"

namespace labfleet::controllers {

namespace {
using api::v1alpha1::SchedulingPolicyStatus;
} // namespace

SchedulingPolicyStatus policy_status(const SchedulingPolicyStatus& current, std::int64_t generation,
                                     std::vector<api::v1alpha1::Assignment> pairs, kube::WallTime now) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    SchedulingPolicyStatus status;
    status.observed_generation = generation;
    status.assignment_count = cap_list(pairs, api::v1alpha1::max_listed_assignments);
    status.assignments = std::move(pairs);
    const std::string count = std::to_string(status.assignment_count) +
                              (status.assignment_count == 1 ? " assignment" : " assignments");
    std::vector<ConditionUpdate> updates = health_conditions(Health::ready("SelectorsValid", count));
    updates.push_back({"Degraded", "False", "AsExpected", "no errors"});
    status.conditions = merge_conditions(current.conditions, updates, generation, now);
    return status;
}

SchedulingPolicyStatus invalid_policy_status(const SchedulingPolicyStatus& current, std::int64_t generation,
                                             const SpecProblem& problem, kube::WallTime now) {
    SchedulingPolicyStatus status;
    status.observed_generation = generation;
    status.conditions = merge_conditions(current.conditions, invalid_spec_conditions(problem, /*with_degraded=*/true),
                                         generation, now);
    return status;
}

SchedulingPolicyStatus read_policy_status_leniently(const kube::Json& object) {
    api::v1alpha1::DecodeState state;
    api::v1alpha1::FieldReader root(&object, "", state);
    api::v1alpha1::FieldReader reader(root.object("status"), "status", state);
    SchedulingPolicyStatus status;
    status.observed_generation =
        reader.integer_or("observedGeneration", 0, 0, std::numeric_limits<std::int64_t>::max());
    status.assignment_count = reader.integer_or("assignmentCount", 0, 0, std::numeric_limits<std::int64_t>::max());
    status.conditions = api::v1alpha1::decode_conditions(reader, "conditions");
    for (std::size_t i = 0; const kube::Json* item : reader.array("assignments")) {
        api::v1alpha1::FieldReader pair(item, api::v1alpha1::index_path("status.assignments", i++), state);
        status.assignments.push_back({pair.string_or("workload", ""), pair.string_or("target", "")});
    }
    // A status that does not read is rewritten whole.
    if (state.failed()) return SchedulingPolicyStatus{};
    return status;
}

bool policy_status_changed(const SchedulingPolicyStatus& current, const SchedulingPolicyStatus& desired) {
    return current.observed_generation != desired.observed_generation ||
           current.assignment_count != desired.assignment_count || current.assignments != desired.assignments ||
           !same_conditions_ignoring_time(current.conditions, desired.conditions);
}

} // namespace labfleet::controllers
