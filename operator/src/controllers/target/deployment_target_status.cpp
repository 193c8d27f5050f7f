#include "controllers/target/deployment_target_status.hpp"

#include "controllers/status/conditions.hpp"
#include "controllers/lease/environment_lease_order.hpp"

namespace labfleet::controllers {

namespace {
using api::v1alpha1::DeploymentTargetStatus;
using api::v1alpha1::LeasePhase;
} // namespace

TargetLeases leases_of_target(const std::vector<api::v1alpha1::EnvironmentLease>& leases, const std::string& target) {
    TargetLeases out;
    for (const auto& lease : leases)
        if (lease.spec.target == target && lease.status.phase == LeasePhase::Pending) ++out.pending;
    if (const auto* active = active_lease_of(leases, target))
        out.active = api::v1alpha1::ActiveLeaseRef{active->metadata.name, active->spec.holder, active->status.expires_at};
    return out;
}

DeploymentTargetStatus target_status(const api::v1alpha1::DeploymentTarget& target, const TargetFacts& facts,
                                     kube::WallTime now) {
    DeploymentTargetStatus status;
    status.observed_generation = target.metadata.generation;
    status.workloads = facts.workloads;
    status.active_lease = facts.leases.active;
    status.pending_leases = facts.leases.pending;
    status.cluster_uid = facts.cluster_uid;
    const std::string& ns = target.spec.target_namespace;
    Health health;
    if (facts.refusal)
        health = Health::stalled(facts.refusal->reason, facts.refusal->message);
    else if (target.spec.paused)
        health = Health::ready("Paused", "paused: the operator leaves the objects in namespace " + ns + " as they are");
    else if (facts.cluster_problem)
        health = *facts.cluster_problem;
    else if (facts.namespace_state == NamespaceState::Ready)
        health = Health::ready("NamespaceReady", "namespace " + ns + " exists");
    else if (facts.namespace_state == NamespaceState::Terminating)
        health = Health::reconciling("NamespaceTerminating", "namespace " + ns + " is being deleted");
    else if (facts.namespace_state == NamespaceState::Failed)
        health = Health::reconciling("NamespaceFailed", "namespace " + ns + ": " + facts.namespace_error);
    else
        health = Health::reconciling("NamespacePending", "namespace " + ns + " not ensured yet");
    std::vector<ConditionUpdate> updates = health_conditions(health);
    if (target.spec.paused)
        updates.push_back({"Paused", "True", "Paused", "spec.paused is set: nothing is written to namespace " + ns});
    else
        updates.push_back({"Paused", "False", "NotPaused", "spec.paused is not set"});
    status.conditions = merge_conditions(target.status.conditions, updates, status.observed_generation, now);
    return status;
}

DeploymentTargetStatus invalid_target_status(DeploymentTargetStatus current, std::int64_t generation,
                                             const SpecProblem& problem, kube::WallTime now) {
    current.observed_generation = generation;
    current.conditions = merge_conditions(std::move(current.conditions),
                                          invalid_spec_conditions(problem, /*with_degraded=*/false), generation, now);
    return current;
}

bool target_status_changed(const DeploymentTargetStatus& current, const DeploymentTargetStatus& desired) {
    return current.observed_generation != desired.observed_generation || current.workloads != desired.workloads ||
           current.active_lease != desired.active_lease || current.pending_leases != desired.pending_leases ||
           current.cluster_uid != desired.cluster_uid ||
           !same_conditions_ignoring_time(current.conditions, desired.conditions);
}

kube::Json target_status_merge_json(const DeploymentTargetStatus& status) {
    kube::Json out = to_json(status);
    if (!out.contains("clusterUID")) out["clusterUID"] = nullptr;
    if (!out.contains("activeLease")) out["activeLease"] = nullptr;
    else if (!out["activeLease"].contains("expiresAt")) out["activeLease"]["expiresAt"] = nullptr;
    return out;
}

kube::Json namespace_object(const std::string& name) {
    return {{"apiVersion", "v1"},
            {"kind", "Namespace"},
            {"metadata", {{"name", name}, {"labels", {{"app.kubernetes.io/created-by", "labfleet"}}}}}};
}

} // namespace labfleet::controllers
