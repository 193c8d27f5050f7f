#pragma once
// Small typed objects for the controller tests.

#include <string>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/scheduling_policy.hpp"
#include "api/v1alpha1/workload.hpp"

namespace labfleet::controllers::testing {

inline api::v1alpha1::Workload workload(std::string name, kube::Labels labels = {}) {
    api::v1alpha1::Workload w;
    w.metadata.name = std::move(name);
    w.metadata.uid = "uid-" + w.metadata.name;
    w.metadata.labels = std::move(labels);
    w.spec.images.workshop.repository = "labs/" + w.metadata.name;
    w.spec.images.files.repository = "labs/" + w.metadata.name + "-files";
    return w;
}

inline api::v1alpha1::DeploymentTarget target(std::string name, std::string environment, kube::Labels labels = {}) {
    api::v1alpha1::DeploymentTarget t;
    t.metadata.name = std::move(name);
    t.metadata.labels = std::move(labels);
    t.spec.environment = std::move(environment);
    t.spec.target_namespace = "labs-" + t.metadata.name;
    return t;
}

inline api::v1alpha1::SchedulingPolicy policy(std::string name, kube::LabelSelector workloads,
                                              kube::LabelSelector targets, std::vector<std::string> environments = {}) {
    api::v1alpha1::SchedulingPolicy p;
    p.metadata.name = std::move(name);
    p.spec.workload_selector = std::move(workloads);
    p.spec.target_selector = std::move(targets);
    p.spec.environments = std::move(environments);
    return p;
}

} // namespace labfleet::controllers::testing
