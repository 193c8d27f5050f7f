#pragma once
// Small typed objects for the controller tests.

#include <cstdint>
#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/scheduling_policy.hpp"
#include "api/v1alpha1/workload.hpp"
#include "api/v1alpha1/condition.hpp"

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

/// What kstatus (sigs.k8s.io/cli-utils v0.37.2 status.Compute, for a custom
/// resource) makes of a status: generation not observed or Reconciling=True →
/// InProgress; Stalled=True → Failed; else Ready=True → Current, Ready
/// False/Unknown → InProgress. "Broken" when the health invariants fail:
/// Ready, Reconciling and Stalled all present with exactly one True, and every
/// condition's observedGeneration equal to `generation`.
inline std::string kstatus(std::int64_t generation, std::int64_t observed_generation,
                           const std::vector<api::v1alpha1::Condition>& conditions) {
    int present = 0;
    int true_ = 0;
    for (const char* type : {"Ready", "Reconciling", "Stalled"})
        if (const auto* found = api::v1alpha1::find_condition(conditions, type)) {
            ++present;
            true_ += found->status == "True";
        }
    if (present != 3 || true_ != 1) return "Broken";
    for (const auto& condition : conditions)
        if (condition.observed_generation != generation) return "Broken";
    if (observed_generation != generation) return "InProgress";
    if (api::v1alpha1::find_condition(conditions, "Reconciling")->status == "True") return "InProgress";
    if (api::v1alpha1::find_condition(conditions, "Stalled")->status == "True") return "Failed";
    return api::v1alpha1::find_condition(conditions, "Ready")->status == "True" ? "Current" : "InProgress";
}

/// The reason of the condition of `type` that is True among Ready, Reconciling, Stalled.
inline std::string health_reason(const std::vector<api::v1alpha1::Condition>& conditions) {
    for (const char* type : {"Ready", "Reconciling", "Stalled"})
        if (const auto* found = api::v1alpha1::find_condition(conditions, type); found && found->status == "True")
            return std::string(type) + "/" + found->reason;
    return "none";
}

} // namespace labfleet::controllers::testing
