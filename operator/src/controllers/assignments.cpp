#include "controllers/assignments.hpp"

#include <algorithm>

namespace labfleet::controllers {

namespace {
void sort_unique(std::vector<Assignment>& pairs) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
}
} // namespace

std::vector<Assignment> assignments_of(const api::v1alpha1::SchedulingPolicy& policy,
                                       const std::vector<api::v1alpha1::Workload>& workloads,
                                       const std::vector<api::v1alpha1::DeploymentTarget>& targets) {
    const auto& environments = policy.spec.environments;
    std::vector<const api::v1alpha1::DeploymentTarget*> selected_targets;
    for (const auto& target : targets) {
        if (!policy.spec.target_selector.matches(target.metadata.labels)) continue;
        if (!environments.empty() &&
            std::find(environments.begin(), environments.end(), target.spec.environment) == environments.end())
            continue;
        selected_targets.push_back(&target);
    }
    std::vector<Assignment> pairs;
    for (const auto& workload : workloads) {
        if (!policy.spec.workload_selector.matches(workload.metadata.labels)) continue;
        for (const auto* target : selected_targets) pairs.push_back({workload.metadata.name, target->metadata.name});
    }
    sort_unique(pairs);
    return pairs;
}

AssignmentSet compute_assignments(const std::vector<api::v1alpha1::Workload>& workloads,
                                  const std::vector<api::v1alpha1::DeploymentTarget>& targets,
                                  const std::vector<api::v1alpha1::SchedulingPolicy>& policies) {
    AssignmentSet out;
    for (const auto& policy : policies) {
        PolicyAssignments entry{policy.metadata.name, assignments_of(policy, workloads, targets)};
        out.pairs.insert(out.pairs.end(), entry.pairs.begin(), entry.pairs.end());
        out.by_policy.push_back(std::move(entry));
    }
    sort_unique(out.pairs);
    return out;
}

} // namespace labfleet::controllers
