#pragma once
// Whether a target serves a lease's images: the condition Serving of an
// Active lease, which `kubectl labfleet borrow` waits for.
//
// Definition: every workload assigned to the target runs, in its files
// Deployment (`<workload>-files` in the target's namespace), the image
// resolved with the lease (resolve_images): the Deployment's controller has
// seen its spec (status.observedGeneration >= metadata.generation), the
// container `files` has that image and no pod of an older template is left
// (status.replicas == status.updatedReplicas). A workload the lease
// overrides must also be available: updatedReplicas == availableReplicas ==
// spec.replicas. The other workloads only have to be rid of a previous
// holder's images (a handover A→B is not Serving while A's pods run), not
// available: an unrelated broken workload does not keep a borrower waiting.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/workload.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

/// What one workload must run on the target for a lease.
struct LeaseRollout {
    std::string deployment;  // <workload>-files
    std::string image;       // the files image resolved with the lease
    bool overridden = false; // the lease chooses the image (its override or its base): it must be available too
    friend bool operator==(const LeaseRollout&, const LeaseRollout&) = default;
};

/// The rollouts `lease` asks of `target`, one per workload of `assigned`
/// (the workloads the policies assign to it), in that order.
std::vector<LeaseRollout> lease_rollouts(const api::v1alpha1::EnvironmentLease& lease,
                                         const api::v1alpha1::DeploymentTarget& target,
                                         const std::vector<api::v1alpha1::Workload>& assigned);

/// What is still missing for `rollout`, e.g. "e2e-api-files: 0 of 1 updated
/// replicas available"; nullopt when done. `deployment` is the cached
/// Deployment, null when there is none.
std::optional<std::string> rollout_pending(const LeaseRollout& rollout, const kube::Json* deployment);

/// The Serving condition's value for an Active lease.
struct ServingState {
    bool serving = false;
    std::string reason;   // Serving | RollingOut
    std::string message;
    friend bool operator==(const ServingState&, const ServingState&) = default;
};

/// Serving when no rollout is pending; otherwise RollingOut, naming the
/// first few and counting the rest (summarise).
/// `deployment_named` returns the cached Deployment of that name in the
/// target's namespace, or null.
ServingState serving_state(const std::vector<LeaseRollout>& rollouts,
                           const std::function<const kube::Json*(const std::string&)>& deployment_named);

} // namespace labfleet::controllers
