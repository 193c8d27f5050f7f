#pragma once
// Desired objects: what one (workload, target) pair puts in the target's
// namespace (ConfigMap `<workload>-workshop`, Deployment and Service
// `<workload>-files`), holding only the fields Labfleet owns, ready for
// server-side apply.

#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/workload.hpp"
#include "controllers/render/tag_resolution.hpp"
#include "controllers/render/workshop_render.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

inline constexpr const char* managed_by_label = "app.kubernetes.io/managed-by";
inline constexpr const char* managed_by_value = "labfleet";
/// On children in another cluster, where no ownerReference can name the Workload: its uid.
inline constexpr const char* workload_uid_label = "labfleet.dev/workload-uid";
/// On children in another cluster: the installation that wrote them, the uid of its home
/// cluster's kube-system namespace. A connection watches only its own installation's children,
/// so two installations sharing a remote namespace never prune each other's.
inline constexpr const char* installation_label = "labfleet.dev/installation";
inline constexpr const char* workload_label = "labfleet.dev/workload";
inline constexpr const char* target_label = "labfleet.dev/target";
inline constexpr const char* name_label = "app.kubernetes.io/name";
inline constexpr const char* config_hash_annotation = "labfleet.dev/config-hash";
/// On the Deployment: sha256 of the pair's merged pod settings; null (must be
/// absent) when there are none. Live objects are compared as supersets of the desired
/// ones, so dropping a setting (a nodeSelector key, a toleration) changes
/// nothing else that is compared: this value changing is what makes the
/// Deployment be applied again, and server-side apply then removes the
/// fields Labfleet no longer sends.
inline constexpr const char* pod_settings_hash_annotation = "labfleet.dev/pod-settings-hash";
/// On the Deployment of a workload with spec.promotion: the tags it was rendered
/// with, from which a lost promotion record is recovered (controllers/promotion);
/// null (must be absent) otherwise.
inline constexpr const char* workshop_tag_annotation = "labfleet.dev/workshop-tag";
inline constexpr const char* files_tag_annotation = "labfleet.dev/files-tag";

struct DesiredObjects {
    kube::Json config_map;
    kube::Json deployment;
    kube::Json service;
    std::string config_hash;                        // sha256 of the rendered workshop YAML
    /// Placeholders left as is, with their field: "${X} in spec.workshop.title"; sorted.
    std::vector<std::string> unknown_placeholders;
    /// Why the pair's merged pod settings cannot run (pod_settings_conflicts);
    /// when not empty the objects must not be applied.
    std::vector<std::string> pod_settings_conflicts;

    /// ConfigMap, Deployment, Service.
    std::vector<kube::Json> all() const { return {config_map, deployment, service}; }
};

/// Labels on every child of the pair (the Deployment's selector is a subset
/// that never changes: name, workload, target).
kube::Json child_labels(const api::v1alpha1::Workload& workload, const api::v1alpha1::DeploymentTarget& target);

/// Fields of the children that the API server fills in and no reconcile
/// reads (defaults of fields Labfleet leaves unset, a Service's allocated
/// addresses, the texts and times of a Deployment's conditions), as JSON pointers to drop
/// before caching: a third of a cached Deployment. None may name a field
/// build_desired_objects sets, or the cached child would never look as desired.
struct UnreadChildFields {
    std::vector<std::string> config_map, deployment, service;
};
const UnreadChildFields& unread_child_fields();

/// The name of a workload's files Deployment and Service on every target.
inline std::string files_object_name(const std::string& workload) { return workload + "-files"; }

/// The ConfigMap's key holding the rendered workshop definition.
inline constexpr const char* workshop_config_key = "workshop.yaml";

/// The workshop definition of the pair rendered with `images`: what the
/// ConfigMap holds under workshop_config_key, and whose sha256_hex is the
/// config hash the files pods carry (config_hash_annotation).
RenderedWorkshop render_workshop_of(const api::v1alpha1::Workload& workload,
                                    const api::v1alpha1::DeploymentTarget& target, const ResolvedImages& images);

/// Builds the three objects. The owner reference's uid is omitted when the
/// workload has none (offline plan of files not yet applied). A target in another
/// cluster gets no ownerReference: its children carry workload_uid_label and, when
/// `installation` is known (not in an offline plan), installation_label. The files pod
/// carries the pair's merged pod settings (controllers/render/pod_settings_merge.hpp)
/// under a fixed restricted security context: runAsNonRoot, seccomp
/// RuntimeDefault, no privilege escalation, no capabilities, read-only root
/// filesystem, no service account token; the settings may only choose the
/// user and group IDs.
DesiredObjects build_desired_objects(const api::v1alpha1::Workload& workload,
                                     const api::v1alpha1::DeploymentTarget& target, const ResolvedImages& images,
                                     const std::string& installation = "");

} // namespace labfleet::controllers
