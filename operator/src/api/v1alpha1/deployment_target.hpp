#pragma once
// DeploymentTarget: one environment slot (a namespace with a registry, a
// default channel tag and lease settings).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/v1alpha1/condition.hpp"
#include "api/v1alpha1/field_error.hpp"
#include "api/v1alpha1/object_meta.hpp"
#include "api/v1alpha1/pod_settings.hpp"
#include "kube/json/json.hpp"
#include "kube/client/result.hpp"

namespace labfleet::api::v1alpha1 {

struct LeaseSettings {
    std::chrono::milliseconds default_duration = std::chrono::hours{1};
    std::chrono::milliseconds max_duration = std::chrono::hours{8};
    std::chrono::milliseconds notify_before = std::chrono::minutes{5};
};

/// spec.cluster: the cluster the target's namespace is in, named by a Secret
/// of the operator's namespace that holds its kubeconfig (clusters/).
struct ClusterRef {
    std::string name;
    friend bool operator==(const ClusterRef&, const ClusterRef&) = default;
};

struct DeploymentTargetSpec {
    std::string environment;       // DNS label: dev, qa, stg, prod
    std::string target_namespace;  // spec.namespace
    std::optional<ClusterRef> cluster;  // absent: the operator's own cluster
    std::string registry;          // REGISTRY_HOST; "" = none
    std::string channel = "prod";
    LeaseSettings leases;
    bool paused = false;
    PodSettings pod;  // for every workload's pods here; a Workload's spec.pod wins
};

struct ActiveLeaseRef {
    std::string name;
    std::string holder;
    std::optional<kube::WallTime> expires_at;
    friend bool operator==(const ActiveLeaseRef&, const ActiveLeaseRef&) = default;
};

struct DeploymentTargetStatus {
    std::int64_t observed_generation = 0;
    std::vector<Condition> conditions;
    std::int64_t workloads = 0;
    std::optional<ActiveLeaseRef> active_lease;
    std::int64_t pending_leases = 0;
    /// The uid of the kube-system namespace of spec.cluster, as first seen:
    /// a Secret that later leads elsewhere is refused (clusters/cluster_identity).
    std::string cluster_uid;
    friend bool operator==(const DeploymentTargetStatus&, const DeploymentTargetStatus&) = default;
};

struct DeploymentTarget {
    ObjectMeta metadata;
    DeploymentTargetSpec spec;
    DeploymentTargetStatus status;

    /// spec.cluster.name; "" for the operator's own cluster.
    const std::string& cluster() const;

    /// Decodes a whole object, applying the schema defaults; never throws.
    static kube::Result<DeploymentTarget> from_json(const kube::Json& json);
};

/// Rules beyond decoding: DNS labels, channel tag syntax, lease durations
/// consistent (defaultDuration and notifyBefore not above maxDuration),
/// spec.pod (validate_pod_settings).
std::vector<FieldError> validate(const DeploymentTarget& target);
/// The `status` object for a status write (absent optionals are omitted, which
/// clears them under replace and server-side apply).
kube::Json to_json(const DeploymentTargetStatus& status);

} // namespace labfleet::api::v1alpha1
