#pragma once
// Whether a target serves a lease's images: the condition Serving of an
// Active lease, which `kubectl labfleet borrow` waits for.
//
// Definition: everything the lease changes on the target is in place. For
// every workload assigned to the target, rendered with the images resolved
// with the lease (resolve_images):
// - its ConfigMap (`<workload>-workshop`) holds that rendered workshop
//   definition, which names the workshop image;
// - its files Deployment (`<workload>-files`) has that image in container
//   `files` and that definition's config hash on its pod template, and no pod
//   of an older template is left (rollout_progress: the generation observed,
//   no old replicas).
// A workload the lease overrides must also be available: its rollout
// complete (rollout_progress). The other workloads only have to be rid of a
// previous holder's images and config (a handover A→B is not Serving while
// A's workshop image is still rendered or A's pods run), not available: an
// unrelated broken workload does not keep a borrower waiting.

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
    std::string config_map;      // <workload>-workshop
    std::string workshop_image;  // the workshop image resolved with the lease, for messages
    std::string config_hash;     // sha256_hex of the workshop definition rendered with the lease's images
    friend bool operator==(const LeaseRollout&, const LeaseRollout&) = default;
};

/// The rollouts `lease` asks of `target`, one per workload of `assigned`
/// (the workloads the policies assign to it, none null), in that order.
/// Pointers: the workloads stay in the decode of their cache, about 10 KB each.
std::vector<LeaseRollout> lease_rollouts(const api::v1alpha1::EnvironmentLease& lease,
                                         const api::v1alpha1::DeploymentTarget& target,
                                         const std::vector<const api::v1alpha1::Workload*>& assigned);

/// The cached children a rollout is judged by, null when there is none.
struct RolloutChildren {
    const kube::Json* deployment = nullptr;
    const kube::Json* config_map = nullptr;
};

/// What is still missing for `rollout`, e.g. "e2e-api-files: 0 of 1 updated
/// replicas available"; nullopt when done.
std::optional<std::string> rollout_pending(const LeaseRollout& rollout, const RolloutChildren& children);

/// The Serving condition's value for an Active lease.
struct ServingState {
    bool serving = false;
    std::string reason;   // Serving | RollingOut
    std::string message;
    friend bool operator==(const ServingState&, const ServingState&) = default;
};

/// Serving when no rollout is pending; otherwise RollingOut, naming the
/// first few and counting the rest (summarise).
/// `deployment_named` and `config_map_named` return the cached object of
/// that name in the target's namespace, or null.
ServingState serving_state(const std::vector<LeaseRollout>& rollouts,
                           const std::function<const kube::Json*(const std::string&)>& deployment_named,
                           const std::function<const kube::Json*(const std::string&)>& config_map_named);

} // namespace labfleet::controllers
