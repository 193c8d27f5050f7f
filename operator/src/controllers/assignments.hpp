#pragma once
// Assignments: which workload runs on which target, from the scheduling
// policies (a union over policies, each pairing every selected workload with
// every selected target in its environments).

#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/scheduling_policy.hpp"
#include "api/v1alpha1/workload.hpp"

namespace labfleet::controllers {

using api::v1alpha1::Assignment;

struct PolicyAssignments {
    std::string policy;
    std::vector<Assignment> pairs;  // sorted, unique
};

struct AssignmentSet {
    std::vector<Assignment> pairs;             // union over policies: sorted, unique
    std::vector<PolicyAssignments> by_policy;  // in the order of the policies given
};

/// The pairs one policy selects, sorted by (workload, target).
std::vector<Assignment> assignments_of(const api::v1alpha1::SchedulingPolicy& policy,
                                       const std::vector<api::v1alpha1::Workload>& workloads,
                                       const std::vector<api::v1alpha1::DeploymentTarget>& targets);

/// Every policy's pairs and their union. Objects being deleted still count:
/// their children go away through garbage collection, not through pruning.
AssignmentSet compute_assignments(const std::vector<api::v1alpha1::Workload>& workloads,
                                  const std::vector<api::v1alpha1::DeploymentTarget>& targets,
                                  const std::vector<api::v1alpha1::SchedulingPolicy>& policies);

} // namespace labfleet::controllers
