#pragma once
// PodSettings: what a platform team sets on every pod Labfleet runs (the
// files server): resources, image pull secrets, node selector, tolerations,
// priority class, extra pod labels and annotations, and the user and group
// IDs. DeploymentTarget.spec.pod sets them for an environment,
// Workload.spec.pod for one workshop; controllers/render/pod_settings_merge.hpp
// combines the two.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/v1alpha1/field_error.hpp"
#include "api/v1alpha1/field_reader.hpp"
#include "api/v1alpha1/quantity.hpp"
#include "kube/json/json.hpp"

namespace labfleet::api::v1alpha1 {

/// A core/v1 Toleration; an empty string is an unset field.
struct Toleration {
    std::string key;        // "" with operator Exists: every taint
    std::string operator_;  // "" (means Equal) | Equal | Exists
    std::string value;
    std::string effect;     // "" (every effect) | NoSchedule | PreferNoSchedule | NoExecute
    std::optional<std::int64_t> toleration_seconds;  // NoExecute only
    friend bool operator==(const Toleration&, const Toleration&) = default;
};

/// Container resources of the files server, by resource name ("cpu", "memory").
struct ResourceRequirements {
    std::map<std::string, Quantity> requests;
    std::map<std::string, Quantity> limits;
    bool empty() const { return requests.empty() && limits.empty(); }
    friend bool operator==(const ResourceRequirements&, const ResourceRequirements&) = default;
};

struct PodSettings {
    ResourceRequirements resources;
    std::vector<std::string> image_pull_secrets;  // Secret names, in order
    std::map<std::string, std::string> node_selector;
    std::vector<Toleration> tolerations;
    std::optional<std::string> priority_class_name;
    std::map<std::string, std::string> labels;       // added to the pod template
    std::map<std::string, std::string> annotations;  // added to the pod template
    std::optional<std::int64_t> run_as_user;   // securityContext.runAsUser
    std::optional<std::int64_t> run_as_group;  // securityContext.runAsGroup

    bool empty() const;
    friend bool operator==(const PodSettings&, const PodSettings&) = default;
};

/// Label keys Labfleet sets on every pod itself; spec.pod.labels may not name them.
bool is_reserved_pod_label(std::string_view key);
/// Annotation keys Labfleet sets itself (the `labfleet.dev/` prefix).
bool is_reserved_pod_annotation(std::string_view key);

/// Reads `parent.key` (absent: empty settings). Type errors, and quantities
/// that do not parse, fail the decode naming the field
/// ("spec.pod.resources.limits.cpu").
PodSettings decode_pod_settings(const FieldReader& parent, std::string_view key);

/// Adds an error per rule the settings at `path` ("spec.pod") break: resource
/// names, requests above limits, Secret and PriorityClass names, label and
/// annotation syntax and reserved keys, toleration shape (as core/v1 checks
/// it), user and group IDs.
void validate_pod_settings(std::vector<FieldError>& errors, const PodSettings& settings, const std::string& path);

/// The settings as the CRD spells them, absent fields omitted (quantities in
/// their server text).
kube::Json to_json(const PodSettings& settings);

} // namespace labfleet::api::v1alpha1
