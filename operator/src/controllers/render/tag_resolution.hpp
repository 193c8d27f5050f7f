#pragma once
// Tag resolution: which tag each image of a workload gets on a target, and
// why. First match wins: the active lease's override for this workload, the
// active lease's base channel, an override naming the target, one naming its
// environment, the version its environment's promotion gives the target
// (controllers/promotion), the pinned tag, the target's channel.

#include <string>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/workload.hpp"

namespace labfleet::controllers {

enum class ImageKind { Workshop, Files };

struct ResolvedTag {
    std::string tag;
    std::string source;  // "lease/NAME" | "lease-base/NAME" | "target" | "environment" | "promoted" | "pinned" | "channel"
    friend bool operator==(const ResolvedTag&, const ResolvedTag&) = default;
};

/// `active_lease` is the lease holding the target, as active_lease_of
/// (environment_lease_order) picks it; it is ignored when it names another target.
/// Among several overrides of the same rank (same target twice, or a lease
/// listing the workload twice) the first in the list wins. `promoted` is
/// the version the promotion gives this target (target_versions), if any.
ResolvedTag resolve_tag(const api::v1alpha1::Workload& workload, const api::v1alpha1::DeploymentTarget& target,
                        ImageKind kind, const api::v1alpha1::EnvironmentLease* active_lease = nullptr,
                        const api::v1alpha1::Version* promoted = nullptr);

struct ResolvedImages {
    ResolvedTag workshop;
    ResolvedTag files;
    std::string workshop_image;  // full references
    std::string files_image;
    /// The higher-ranked of the two sources: what status.targets[].source shows.
    std::string source;
};

ResolvedImages resolve_images(const api::v1alpha1::Workload& workload, const api::v1alpha1::DeploymentTarget& target,
                              const api::v1alpha1::EnvironmentLease* active_lease = nullptr,
                              const api::v1alpha1::Version* promoted = nullptr);

/// The precedence of a source: 0 for lease/…, 1 lease-base/…, 2 target,
/// 3 environment, 4 promoted, 5 pinned, 6 channel (lower wins).
int source_rank(const std::string& source);

} // namespace labfleet::controllers
