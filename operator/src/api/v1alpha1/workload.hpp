#pragma once
// Workload: one workshop (its two images, its free-form definition, per
// environment/target tag overrides, replicas and suspension).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/v1alpha1/condition.hpp"
#include "api/v1alpha1/field_error.hpp"
#include "api/v1alpha1/object_meta.hpp"
#include "api/v1alpha1/pod_settings.hpp"
#include "api/v1alpha1/promotion.hpp"
#include "kube/json/json.hpp"
#include "kube/client/result.hpp"

namespace labfleet::api::v1alpha1 {

struct ImageSpec {
    std::string repository;
    std::optional<std::string> tag;  // pinned tag or digest
};

struct FilesImageSpec {
    std::string repository;
    std::optional<std::string> tag;
    int port = 8080;
};

struct WorkloadImages {
    ImageSpec workshop;
    FilesImageSpec files;
};

/// overrides[]: exactly one of environment/target, at least one tag.
struct WorkloadOverride {
    std::optional<std::string> environment;
    std::optional<std::string> target;
    std::optional<std::string> workshop_tag;  // workshop.tag
    std::optional<std::string> files_tag;     // files.tag
};

struct WorkloadSpec {
    WorkloadImages images;
    kube::Json workshop = kube::Json::object();  // free-form definition
    std::vector<WorkloadOverride> overrides;
    int replicas = 1;
    bool suspend = false;
    PodSettings pod;  // wins over the target's spec.pod (controllers/render/pod_settings_merge.hpp)
    std::optional<PromotionSpec> promotion;
};

struct WorkloadTargetStatus {
    std::string name;
    std::string environment;
    std::string workshop_image;
    std::string files_image;
    std::string source;  // channel | pinned | promoted | environment | target | lease-base/NAME | lease/NAME
    std::int64_t ready_replicas = 0;
    friend bool operator==(const WorkloadTargetStatus&, const WorkloadTargetStatus&) = default;
};

struct WorkloadStatus {
    std::int64_t observed_generation = 0;
    std::vector<Condition> conditions;
    std::vector<WorkloadTargetStatus> targets;  // by target name, at most max_listed_targets
    /// "ready/assigned" targets, e.g. "2/3": the printer column's summary,
    /// counting every assigned target, listed or not.
    std::string ready_targets;
    std::optional<PromotionStatus> promotion;  // nullopt when absent or lost (decode_promotion_status)
    friend bool operator==(const WorkloadStatus&, const WorkloadStatus&) = default;
};

/// status.targets lists at most this many targets (readyTargets counts all).
inline constexpr std::size_t max_listed_targets = 100;

struct Workload {
    ObjectMeta metadata;
    WorkloadSpec spec;
    WorkloadStatus status;

    /// Decodes a whole object, applying the schema defaults; never throws.
    static kube::Result<Workload> from_json(const kube::Json& json);
};

/// Rules beyond decoding: tag syntax, override shape (exactly one of
/// environment/target, at least one tag), a name short enough to derive
/// `<name>-files` Service and `<name>-workshop` ConfigMap names from, and
/// spec.pod (validate_pod_settings).
std::vector<FieldError> validate(const Workload& workload);
kube::Json to_json(const WorkloadStatus& status);

} // namespace labfleet::api::v1alpha1
