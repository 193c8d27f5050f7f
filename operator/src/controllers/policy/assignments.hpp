#pragma once
// Assignments: which workload runs on which target, from the scheduling
// policies (a union over policies, each pairing every selected workload with
// every selected target in its environments).

#include <map>
#include <set>
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

/// Where targets may place objects: namespaces matching a `denied` glob
/// (`*` any run of characters, `?` one) are never written to.
struct NamespaceRules {
    std::vector<std::string> denied{"kube-*"};
};

/// True when `ns` matches one of `rules.denied`.
bool namespace_denied(const NamespaceRules& rules, const std::string& ns);

/// Condition reasons of a target refused by target_refusals().
inline constexpr const char* namespace_denied_reason = "NamespaceDenied";
inline constexpr const char* namespace_conflict_reason = "NamespaceConflict";

/// Why a target may hold no workload: Labfleet writes nothing for it.
struct TargetRefusal {
    std::string reason;   // namespace_denied_reason | namespace_conflict_reason
    std::string message;  // names the namespace (and the winning target)
    bool operator==(const TargetRefusal&) const = default;
};

/// The one rule for where targets may write, shared by the reconcilers and
/// `plan`: a target whose namespace is denied is refused; of the other
/// targets naming one namespace only the oldest (creationTimestamp, then
/// name; a target without a timestamp counts as newest) may hold workloads —
/// children are identified by kind, namespace and name, so two targets in
/// one namespace would overwrite each other. Paused targets keep their
/// claim. Returns the refused targets by name.
std::map<std::string, TargetRefusal> target_refusals(const std::vector<api::v1alpha1::DeploymentTarget>& targets,
                                                     const NamespaceRules& rules);

/// The targets among `targets` that the policies in `unreadable` (raw
/// objects failing decoding or validation) could assign `workload` to,
/// judged by api::v1alpha1::reach_of_policy: what such a policy assigned is
/// unknown, so children on these targets are neither pruned nor replaced.
std::set<std::string> targets_unreadable_policies_could_assign(
    const api::v1alpha1::Workload& workload, const std::vector<api::v1alpha1::DeploymentTarget>& targets,
    const std::vector<kube::Json>& unreadable);

} // namespace labfleet::controllers
