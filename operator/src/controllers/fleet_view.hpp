#pragma once
// FleetView: typed reads of the informer caches shared by the reconcilers and
// the key mappers — every decodable object of a kind, the names of those that
// are not (so callers can leave what they own alone), the leases of a target,
// the lease holding it, and the targets a policy set assigns one workload to.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/scheduling_policy.hpp"
#include "api/v1alpha1/workload.hpp"
#include "controllers/context.hpp"
#include "kube/cache/store.hpp"

namespace labfleet::controllers {

/// The objects of one cache that decode and validate, and the names of
/// those that do not.
template <class T>
struct Decoded {
    std::vector<T> items;               // ordered by name
    std::vector<std::string> rejected;  // names of objects that failed decode() or validate()
};

/// Every object of the store, decoded and validated. Decoded once per store
/// revision (and once per unchanged object across revisions): reconciles read
/// whole kinds on every run, so a burst of N changes would otherwise cost N².
/// The result is an immutable snapshot, safe to hold across co_await.
std::shared_ptr<const Decoded<api::v1alpha1::Workload>> decode_workloads(const kube::Store& store);
std::shared_ptr<const Decoded<api::v1alpha1::DeploymentTarget>> decode_targets(const kube::Store& store);
std::shared_ptr<const Decoded<api::v1alpha1::SchedulingPolicy>> decode_policies(const kube::Store& store);

/// target_refusals(targets->items, rules), computed once per decode of the targets (the decode is
/// shared while the store is unchanged): each target's reconcile needs it, and it compares every
/// target with the others, so a burst of N target reconciles would otherwise cost N². Safe to hold
/// across co_await.
std::shared_ptr<const std::map<std::string, TargetRefusal>> refusals_of(
    const std::shared_ptr<const Decoded<api::v1alpha1::DeploymentTarget>>& targets, const NamespaceRules& rules);

/// The name of the lease cache's index by spec.target (Caches adds it).
inline constexpr const char* lease_target_index = "spec.target";
/// A lease's spec.target, as the index files it (none when unset): also
/// the key of the lease controller, which is keyed by target.
std::vector<std::string> lease_target_of(const kube::Json& lease);
/// The leases whose spec.target is `target`, ordered by name, read through
/// the index. Decoded without validate(): a lease with a bad override still
/// holds its target. Undecodable ones are left out.
std::vector<api::v1alpha1::EnvironmentLease> decode_leases_of(const Caches& caches, const std::string& target);

/// The lease holding `target`, or null: active_lease_of
/// (environment_lease_order), the one definition every reader uses.
const api::v1alpha1::EnvironmentLease* active_lease_for(const std::vector<api::v1alpha1::EnvironmentLease>& leases,
                                                        const std::string& target);

/// The targets `policies` assign `workload` to, ordered by name.
std::vector<api::v1alpha1::DeploymentTarget> targets_assigned_to(
    const api::v1alpha1::Workload& workload, const std::vector<api::v1alpha1::DeploymentTarget>& targets,
    const std::vector<api::v1alpha1::SchedulingPolicy>& policies);

} // namespace labfleet::controllers
