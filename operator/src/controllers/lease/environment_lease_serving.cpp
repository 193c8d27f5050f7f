#include "controllers/lease/environment_lease_serving.hpp"

#include <cstdint>

#include "controllers/render/config_hash.hpp"
#include "controllers/status/deployment_rollout.hpp"
#include "controllers/render/desired_objects.hpp"
#include "controllers/status/status_bounds.hpp"
#include "controllers/render/tag_resolution.hpp"
#include "kube/json/json_fields.hpp"

namespace labfleet::controllers {

namespace {

/// The image of the container `files`, "" when there is none.
std::string files_image_of(const kube::Json& deployment) {
    const kube::Json::json_pointer at("/spec/template/spec/containers");
    if (!deployment.contains(at) || !deployment.at(at).is_array()) return {};
    for (const kube::Json& container : deployment.at(at)) {
        if (!container.is_object() || container.value("name", std::string()) != "files") continue;
        const auto image = container.find("image");
        return image != container.end() && image->is_string() ? image->get<std::string>() : std::string();
    }
    return {};
}

std::int64_t replicas_of(const kube::Json& deployment) {
    const kube::Json::json_pointer at("/spec/replicas");
    if (!deployment.contains(at) || !deployment.at(at).is_number_integer()) return 1;  // the API's default
    return deployment.at(at).get<std::int64_t>();
}

} // namespace

std::vector<LeaseRollout> lease_rollouts(const api::v1alpha1::EnvironmentLease& lease,
                                         const api::v1alpha1::DeploymentTarget& target,
                                         const std::vector<const api::v1alpha1::Workload*>& assigned) {
    std::vector<LeaseRollout> out;
    for (const api::v1alpha1::Workload* assigned_workload : assigned) {
        const api::v1alpha1::Workload& workload = *assigned_workload;
        const ResolvedImages images = resolve_images(workload, target, &lease);
        out.push_back({files_object_name(workload.metadata.name), images.files_image,
                       lease.spec.base.has_value() || lease.override_for(workload.metadata.name) != nullptr,
                       workload.metadata.name + "-workshop", images.workshop_image,
                       sha256_hex(render_workshop_of(workload, target, images).yaml)});
    }
    return out;
}

std::optional<std::string> rollout_pending(const LeaseRollout& rollout, const RolloutChildren& children) {
    const std::string& name = rollout.deployment;
    if (children.deployment == nullptr) return name + ": not created yet";
    const kube::Json& deployment = *children.deployment;
    const std::string image = files_image_of(deployment);
    if (image != rollout.image)
        return name + ": runs " + (image.empty() ? "no image" : image) + ", not " + rollout.image;
    if (children.config_map == nullptr) return rollout.config_map + ": not created yet";
    if (sha256_hex(kube::string_in(*children.config_map, "/data", workshop_config_key)) != rollout.config_hash)
        return rollout.config_map + ": does not yet hold the lease's workshop definition (workshop image " +
               rollout.workshop_image + ")";
    if (kube::string_in(deployment, "/spec/template/metadata/annotations", config_hash_annotation) != rollout.config_hash)
        return name + ": its pods do not yet carry the lease's workshop definition";
    const RolloutProgress progress = rollout_progress(deployment, replicas_of(deployment));
    if (rollout.overridden ? progress.complete() : progress.old_replicas_gone()) return std::nullopt;
    return name + ": " + progress.missing;
}

ServingState serving_state(const std::vector<LeaseRollout>& rollouts,
                           const std::function<const kube::Json*(const std::string&)>& deployment_named,
                           const std::function<const kube::Json*(const std::string&)>& config_map_named) {
    std::vector<std::string> pending;
    for (const LeaseRollout& rollout : rollouts)
        if (auto missing = rollout_pending(rollout, {deployment_named(rollout.deployment), config_map_named(rollout.config_map)}))
            pending.push_back(std::move(*missing));
    if (pending.empty())
        return {true, "Serving",
                rollouts.empty() ? "No workload is assigned to the target"
                                 : "Every workload runs the lease's images and every override is available"};
    return {false, "RollingOut", "Still rolling out: " + summarise(pending, "; ")};
}

} // namespace labfleet::controllers
