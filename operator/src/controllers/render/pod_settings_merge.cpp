#include "controllers/render/pod_settings_merge.hpp"

#include <algorithm>

namespace labfleet::controllers {

namespace {
using api::v1alpha1::PodSettings;

template <class Map>
Map merged_map(const Map& target, const Map& workload) {
    Map out = workload;
    out.insert(target.begin(), target.end());  // keeps the workload's value of a key both set
    return out;
}

template <class T>
std::vector<T> union_of(const std::vector<T>& target, const std::vector<T>& workload) {
    std::vector<T> out = target;
    for (const auto& item : workload)
        if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    return out;
}

/// "Workload intro" or "DeploymentTarget qa-1": the object that set `resource` in `map_of`.
template <class Pick>
std::string origin(const api::v1alpha1::Workload& workload, const api::v1alpha1::DeploymentTarget& target,
                   const std::string& resource, Pick map_of) {
    return map_of(workload.spec.pod).contains(resource) ? "Workload " + workload.metadata.name
                                                          : "DeploymentTarget " + target.metadata.name;
}
} // namespace

PodSettings merge_pod_settings(const PodSettings& target, const PodSettings& workload) {
    PodSettings out;
    out.resources.requests = merged_map(target.resources.requests, workload.resources.requests);
    out.resources.limits = merged_map(target.resources.limits, workload.resources.limits);
    out.image_pull_secrets = union_of(target.image_pull_secrets, workload.image_pull_secrets);
    out.node_selector = merged_map(target.node_selector, workload.node_selector);
    out.tolerations = union_of(target.tolerations, workload.tolerations);
    out.priority_class_name = workload.priority_class_name ? workload.priority_class_name : target.priority_class_name;
    out.labels = merged_map(target.labels, workload.labels);
    out.annotations = merged_map(target.annotations, workload.annotations);
    out.run_as_user = workload.run_as_user ? workload.run_as_user : target.run_as_user;
    out.run_as_group = workload.run_as_group ? workload.run_as_group : target.run_as_group;
    return out;
}

std::vector<std::string> pod_settings_conflicts(const api::v1alpha1::Workload& workload,
                                                const api::v1alpha1::DeploymentTarget& target,
                                                const PodSettings& merged) {
    std::vector<std::string> out;
    const auto requests = [](const PodSettings& pod) -> const auto& { return pod.resources.requests; };
    const auto limits = [](const PodSettings& pod) -> const auto& { return pod.resources.limits; };
    for (const auto& [resource, request] : merged.resources.requests) {
        const auto limit = merged.resources.limits.find(resource);
        if (limit == merged.resources.limits.end() || request <= limit->second) continue;
        out.push_back("spec.pod.resources.requests." + resource + " " + request.text + " of " +
                      origin(workload, target, resource, requests) + " exceeds spec.pod.resources.limits." +
                      resource + " " + limit->second.text + " of " + origin(workload, target, resource, limits));
    }
    return out;
}

} // namespace labfleet::controllers
