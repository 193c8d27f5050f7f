#include "controllers/policy/assignments.hpp"

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
    // Workloads are not matched for no target: asked about one target the policy does not
    // select (every lease and target event is), this is O(1) in the fleet, not O(workloads).
    if (selected_targets.empty()) return {};
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

namespace {
/// Glob match with `*` and `?`, iterative with one backtrack point.
bool glob_match(const std::string& pattern, const std::string& text) {
    std::size_t p = 0, t = 0, star = std::string::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (star != std::string::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}
} // namespace

bool namespace_denied(const NamespaceRules& rules, const std::string& ns) {
    return std::any_of(rules.denied.begin(), rules.denied.end(),
                       [&](const std::string& pattern) { return glob_match(pattern, ns); });
}

std::map<std::string, TargetRefusal> target_refusals(const std::vector<api::v1alpha1::DeploymentTarget>& targets,
                                                     const NamespaceRules& rules) {
    std::map<std::string, TargetRefusal> out;
    // (cluster, namespace) -> oldest claimant: a namespace is one target's in each cluster.
    std::map<std::pair<std::string, std::string>, const api::v1alpha1::DeploymentTarget*> owner;
    const auto older = [](const api::v1alpha1::DeploymentTarget& a, const api::v1alpha1::DeploymentTarget& b) {
        const auto& ta = a.metadata.creation_timestamp;
        const auto& tb = b.metadata.creation_timestamp;
        if (ta.has_value() != tb.has_value()) return ta.has_value();
        if (ta && *ta != *tb) return *ta < *tb;
        return a.metadata.name < b.metadata.name;
    };
    for (const auto& target : targets) {
        const std::string& ns = target.spec.target_namespace;
        if (namespace_denied(rules, ns)) {
            out[target.metadata.name] = {namespace_denied_reason,
                                         "namespace " + ns + " is on the operator's deny-list: nothing is written there"};
            continue;
        }
        auto [it, inserted] = owner.emplace(std::pair{target.cluster(), ns}, &target);
        if (!inserted && older(target, *it->second)) it->second = &target;
    }
    for (const auto& target : targets) {
        const std::string& ns = target.spec.target_namespace;
        auto it = owner.find({target.cluster(), ns});
        if (it == owner.end() || it->second == &target) continue;
        out[target.metadata.name] = {namespace_conflict_reason,
                                     "namespace " + ns + " belongs to target " + it->second->metadata.name +
                                         " (the oldest target naming it): nothing is written for this one"};
    }
    return out;
}

std::set<std::string> targets_unreadable_policies_could_assign(
    const api::v1alpha1::Workload& workload, const std::vector<api::v1alpha1::DeploymentTarget>& targets,
    const std::vector<kube::Json>& unreadable) {
    std::set<std::string> out;
    for (const auto& raw : unreadable) {
        const auto reach = api::v1alpha1::reach_of_policy(raw);
        if (!reach.could_select_workload(workload.metadata.labels)) continue;
        for (const auto& target : targets)
            if (reach.could_select_target(target.metadata.labels, target.spec.environment))
                out.insert(target.metadata.name);
    }
    return out;
}

} // namespace labfleet::controllers
