#pragma once
// The labfleet.dev/v1alpha1 group: the four cluster-scoped kinds as the REST
// layer addresses them.

#include "kube/client/resource.hpp"

namespace labfleet::api::v1alpha1 {

inline constexpr const char* group = "labfleet.dev";
inline constexpr const char* version = "v1alpha1";
inline constexpr const char* api_version = "labfleet.dev/v1alpha1";

inline kube::ResourceType deployment_targets() {
    return {group, version, "DeploymentTarget", "deploymenttargets", false};
}
inline kube::ResourceType workloads() { return {group, version, "Workload", "workloads", false}; }
inline kube::ResourceType scheduling_policies() {
    return {group, version, "SchedulingPolicy", "schedulingpolicies", false};
}
inline kube::ResourceType environment_leases() {
    return {group, version, "EnvironmentLease", "environmentleases", false};
}

} // namespace labfleet::api::v1alpha1
