#include "controllers/environment_lease_serving.hpp"

#include <cstdint>

#include "controllers/status_bounds.hpp"
#include "controllers/tag_resolution.hpp"

namespace labfleet::controllers {

namespace {

std::int64_t integer_at(const kube::Json& object, const char* pointer, std::int64_t fallback = 0) {
    const kube::Json::json_pointer at(pointer);
    if (!object.contains(at)) return fallback;
    const kube::Json& value = object.at(at);
    return value.is_number_integer() ? value.get<std::int64_t>() : fallback;
}

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

} // namespace

std::vector<LeaseRollout> lease_rollouts(const api::v1alpha1::EnvironmentLease& lease,
                                         const api::v1alpha1::DeploymentTarget& target,
                                         const std::vector<api::v1alpha1::Workload>& assigned) {
    std::vector<LeaseRollout> out;
    for (const auto& workload : assigned)
        out.push_back({workload.metadata.name + "-files", resolve_images(workload, target, &lease).files_image,
                       lease.spec.base.has_value() || lease.override_for(workload.metadata.name) != nullptr});
    return out;
}

std::optional<std::string> rollout_pending(const LeaseRollout& rollout, const kube::Json* deployment) {
    const std::string& name = rollout.deployment;
    if (deployment == nullptr) return name + ": not created yet";
    const std::string image = files_image_of(*deployment);
    if (image != rollout.image)
        return name + ": runs " + (image.empty() ? "no image" : image) + ", not " + rollout.image;
    const std::int64_t generation = integer_at(*deployment, "/metadata/generation");
    if (integer_at(*deployment, "/status/observedGeneration") < generation)
        return name + ": generation " + std::to_string(generation) + " not yet observed by the Deployment controller";
    const std::int64_t updated = integer_at(*deployment, "/status/updatedReplicas");
    const std::int64_t total = integer_at(*deployment, "/status/replicas");
    if (total != updated)
        return name + ": " + std::to_string(total - updated) + " old replicas still running";
    if (!rollout.overridden) return std::nullopt;
    const std::int64_t wanted = integer_at(*deployment, "/spec/replicas", 1);
    if (updated != wanted)
        return name + ": " + std::to_string(updated) + " of " + std::to_string(wanted) + " replicas updated";
    const std::int64_t available = integer_at(*deployment, "/status/availableReplicas");
    if (available != updated)
        return name + ": " + std::to_string(available) + " of " + std::to_string(updated) +
               " updated replicas available";
    return std::nullopt;
}

ServingState serving_state(const std::vector<LeaseRollout>& rollouts,
                           const std::function<const kube::Json*(const std::string&)>& deployment_named) {
    std::vector<std::string> pending;
    for (const LeaseRollout& rollout : rollouts)
        if (auto missing = rollout_pending(rollout, deployment_named(rollout.deployment)))
            pending.push_back(std::move(*missing));
    if (pending.empty())
        return {true, "Serving",
                rollouts.empty() ? "No workload is assigned to the target"
                                 : "Every workload runs the lease's images and every override is available"};
    return {false, "RollingOut", "Still rolling out: " + summarise(pending, "; ")};
}

} // namespace labfleet::controllers
