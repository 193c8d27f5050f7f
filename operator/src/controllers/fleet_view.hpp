#pragma once
// FleetView: typed reads of the informer caches shared by the reconcilers and
// the key mappers — every decodable object of a kind, the names of those that
// are not (so callers can leave what they own alone), the lease holding a
// target, and the targets a policy set assigns one workload to.

#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/scheduling_policy.hpp"
#include "api/v1alpha1/workload.hpp"
#include "kube/store.hpp"

namespace labfleet::controllers {

/// The objects of one cache that decode and validate, and the names of
/// those that do not.
template <class T>
struct Decoded {
    std::vector<T> items;               // ordered by name
    std::vector<std::string> rejected;  // names of objects that failed decode() or validate()
};

Decoded<api::v1alpha1::Workload> decode_workloads(const kube::Store& store);
Decoded<api::v1alpha1::DeploymentTarget> decode_targets(const kube::Store& store);
Decoded<api::v1alpha1::SchedulingPolicy> decode_policies(const kube::Store& store);
/// Leases are decoded without validate(): a lease with a bad override still
/// holds its target.
Decoded<api::v1alpha1::EnvironmentLease> decode_leases(const kube::Store& store);

/// The lease whose status.phase is Active and spec.target is `target`
/// (the first by name should the lease controller ever leave two), or null.
const api::v1alpha1::EnvironmentLease* active_lease_for(const std::vector<api::v1alpha1::EnvironmentLease>& leases,
                                                        const std::string& target);

/// The targets `policies` assign `workload` to, ordered by name.
std::vector<api::v1alpha1::DeploymentTarget> targets_assigned_to(
    const api::v1alpha1::Workload& workload, const std::vector<api::v1alpha1::DeploymentTarget>& targets,
    const std::vector<api::v1alpha1::SchedulingPolicy>& policies);

} // namespace labfleet::controllers
