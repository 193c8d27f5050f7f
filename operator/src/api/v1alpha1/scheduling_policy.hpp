#pragma once
// SchedulingPolicy: pairs the workloads one selector picks with the targets
// another picks, optionally only in some environments.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/v1alpha1/condition.hpp"
#include "api/v1alpha1/field_error.hpp"
#include "api/v1alpha1/object_meta.hpp"
#include "kube/json/json.hpp"
#include "kube/meta/label_selector.hpp"
#include "kube/client/result.hpp"

namespace labfleet::api::v1alpha1 {

/// One (workload, target) pair, ordered by workload then target.
struct Assignment {
    std::string workload;
    std::string target;
    friend auto operator<=>(const Assignment&, const Assignment&) = default;
};

struct SchedulingPolicySpec {
    kube::LabelSelector workload_selector;
    kube::LabelSelector target_selector;
    std::vector<std::string> environments;  // empty = every environment
};

struct SchedulingPolicyStatus {
    std::int64_t observed_generation = 0;
    std::vector<Condition> conditions;
    std::int64_t assignment_count = 0;
    std::vector<Assignment> assignments;  // at most max_listed_assignments
    friend bool operator==(const SchedulingPolicyStatus&, const SchedulingPolicyStatus&) = default;
};

/// status.assignments lists at most this many pairs (assignmentCount has all).
inline constexpr std::size_t max_listed_assignments = 100;

struct SchedulingPolicy {
    ObjectMeta metadata;
    SchedulingPolicySpec spec;
    SchedulingPolicyStatus status;

    /// Decodes a whole object (both selectors required); never throws.
    static kube::Result<SchedulingPolicy> from_json(const kube::Json& json);
};

/// What a policy that fails decoding or validation could select, read part
/// by part from its raw JSON: each part that reads on its own narrows the
/// reach, each part that does not is "anything" (nullopt). Used to freeze
/// only what such a policy could have assigned, never to assign.
struct PolicyReach {
    std::optional<kube::LabelSelector> workload_selector;  // nullopt: any workload
    std::optional<kube::LabelSelector> target_selector;    // nullopt: any target
    std::optional<std::vector<std::string>> environments;  // nullopt or empty: any environment

    bool could_select_workload(const kube::Labels& labels) const;
    bool could_select_target(const kube::Labels& labels, const std::string& environment) const;
};

/// The reach of a raw SchedulingPolicy object (any JSON; never throws).
PolicyReach reach_of_policy(const kube::Json& json);

/// Rules beyond decoding: environments are DNS labels.
std::vector<FieldError> validate(const SchedulingPolicy& policy);
/// The status object; `assignments` is cut to max_listed_assignments.
kube::Json to_json(const SchedulingPolicyStatus& status);

} // namespace labfleet::api::v1alpha1
