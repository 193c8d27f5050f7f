#pragma once
// DeploymentTargetStatus: the pure core of the DeploymentTarget reconciler —
// how many workloads a target runs, which lease holds it and how many wait,
// and its health (health.hpp): Ready when its namespace exists and is its to
// use, Reconciling while the namespace is not in place yet, Stalled when the
// target is refused or its spec invalid.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "controllers/status/health.hpp"
#include "kube/util/clock.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

/// What the lease controller's statuses say about one target (this
/// controller only reads them).
struct TargetLeases {
    std::optional<api::v1alpha1::ActiveLeaseRef> active;
    std::int64_t pending = 0;
};

/// The lease holding `target` (active_lease_of) and the number of Pending ones.
TargetLeases leases_of_target(const std::vector<api::v1alpha1::EnvironmentLease>& leases, const std::string& target);

/// Where the target's namespace stands, as the reconciler found it.
enum class NamespaceState { Ready, NotEnsured, Terminating, Failed };

struct TargetFacts {
    std::int64_t workloads = 0;  // workloads assigned to the target
    TargetLeases leases;
    NamespaceState namespace_state = NamespaceState::NotEnsured;
    std::string namespace_error;  // with Failed
    /// Why the target may hold nothing (target_refusals), if it is refused.
    std::optional<SpecProblem> refusal;
    /// Why its cluster (spec.cluster) cannot be written to now, if it cannot:
    /// Reconciling while connecting or unreachable, Stalled when its
    /// credentials are unusable or it leads to another cluster.
    std::optional<Health> cluster_problem;
    /// The identity of its cluster to record (status.clusterUID); "" for the operator's own.
    std::string cluster_uid;
};

/// Status of a valid target: observedGeneration, counts, the active lease,
/// Paused (spec.paused) and health merged into the target's conditions:
///   refused (facts.refusal)          Stalled, its reason (NamespaceDenied, NamespaceConflict);
///   paused                           Ready, reason Paused (nothing to wait for: the operator leaves it as is);
///   its cluster cannot be written    facts.cluster_problem (ClusterConnecting, ClusterUnreachable,
///                                    ClusterCredentialsInvalid, ClusterChanged);
///   namespace Ready                  Ready, reason NamespaceReady;
///   NotEnsured, Terminating, Failed  Reconciling, reason NamespacePending, NamespaceTerminating,
///                                    NamespaceFailed (retried with backoff).
api::v1alpha1::DeploymentTargetStatus target_status(const api::v1alpha1::DeploymentTarget& target,
                                                    const TargetFacts& facts, kube::WallTime now);

/// Status of a target whose spec does not decode or validate:
/// invalid_spec_conditions of `problem`; the rest of `current` is kept.
api::v1alpha1::DeploymentTargetStatus invalid_target_status(api::v1alpha1::DeploymentTargetStatus current,
                                                            std::int64_t generation, const SpecProblem& problem,
                                                            kube::WallTime now);

/// True when `desired` differs from `current` in anything but lastTransitionTime.
bool target_status_changed(const api::v1alpha1::DeploymentTargetStatus& current,
                           const api::v1alpha1::DeploymentTargetStatus& desired);

/// The `status` of a merge patch: absent fields are written as null, so a
/// released lease disappears from activeLease instead of being merged into.
kube::Json target_status_merge_json(const api::v1alpha1::DeploymentTargetStatus& status);

/// The Namespace object created for a target.
kube::Json namespace_object(const std::string& name);

} // namespace labfleet::controllers
