#pragma once
// EnvironmentLease: a holder borrowing a target for a while, with a base
// channel for every workload there and tag overrides for some; queued FIFO
// per target.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/v1alpha1/condition.hpp"
#include "api/v1alpha1/field_error.hpp"
#include "api/v1alpha1/object_meta.hpp"
#include "kube/json/json.hpp"
#include "kube/client/result.hpp"

namespace labfleet::api::v1alpha1 {

/// Unset: the operator has not written a status yet.
enum class LeasePhase { Unset, Pending, Active, Expired, Released };

std::string_view to_string(LeasePhase phase);

struct LeaseOverride {
    std::string workload;
    std::optional<std::string> workshop_tag;
    std::optional<std::string> files_tag;
};

struct EnvironmentLeaseSpec {
    std::string target;
    std::string holder;
    std::optional<std::chrono::milliseconds> duration;  // absent: target's defaultDuration
    std::vector<LeaseOverride> overrides;
    /// spec.base: the channel every workload on the target runs while the
    /// lease is Active, unless one of `overrides` names it.
    std::optional<std::string> base;
    bool release = false;
    std::optional<std::string> reason;
};

struct EnvironmentLeaseStatus {
    LeasePhase phase = LeasePhase::Unset;
    std::int64_t queue_position = 0;  // 0 = active or not queued
    std::optional<kube::WallTime> acquired_at;
    std::optional<kube::WallTime> expires_at;
    std::optional<kube::WallTime> released_at;
    std::vector<Condition> conditions;
    friend bool operator==(const EnvironmentLeaseStatus&, const EnvironmentLeaseStatus&) = default;
};

struct EnvironmentLease {
    ObjectMeta metadata;
    EnvironmentLeaseSpec spec;
    EnvironmentLeaseStatus status;

    /// Decodes a whole object, applying the schema defaults; never throws.
    static kube::Result<EnvironmentLease> from_json(const kube::Json& json);
    /// The override for `workload`, or null (the first one wins if repeated).
    const LeaseOverride* override_for(std::string_view workload) const;
};

/// Rules beyond decoding: override shape and tag syntax, base channel syntax,
/// reason length.
std::vector<FieldError> validate(const EnvironmentLease& lease);
kube::Json to_json(const EnvironmentLeaseStatus& status);

} // namespace labfleet::api::v1alpha1
