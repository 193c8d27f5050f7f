#pragma once
// Key mappers: which reconcile keys a changed object affects, for the
// manager's Controller::watch. On an update the manager calls a mapper with
// the old and the new object, so a mapper looks only at the object it is
// given (plus the caches) — that is how a label removed from a workload still
// reaches the policy and target it left.

#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "controllers/context.hpp"
#include "kube/controller/controller.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

// --- Workload controller (key = workload name) ---

/// A ConfigMap/Deployment/Service → its labfleet.dev/workload label (none when unlabelled).
std::vector<std::string> workload_keys_for_child(const kube::Json& child);
/// A DeploymentTarget → the workloads the policies assign to it (by this
/// object's labels and environment), plus those with children labelled with
/// it (they may have to prune), and the same for the other targets naming its
/// spec.namespace (which of them holds the namespace may have changed:
/// target_refusals). Unreadable target: only those with children and peers.
std::vector<std::string> workload_keys_for_target(const Caches& caches, const kube::Json& target);
/// A SchedulingPolicy → the (valid) workloads its workloadSelector selects;
/// every workload when the policy does not decode (what it selected is unknown).
std::vector<std::string> workload_keys_for_policy(const Caches& caches, const kube::Json& policy);
/// An EnvironmentLease → the workloads assigned to (or with children on) its spec.target.
std::vector<std::string> workload_keys_for_lease(const Caches& caches, const kube::Json& lease);

/// The workloads the cached children name in their labfleet.dev/workload
/// label, those gone included (their reconcile prunes what is left).
std::vector<std::string> workloads_named_by_children(const Caches& caches);

/// The other decodable targets whose spec.namespace is `target`'s, by name.
std::vector<api::v1alpha1::DeploymentTarget> namespace_peers(const kube::Store& targets, const kube::Json& target);

// --- SchedulingPolicy and DeploymentTarget controllers ---

/// Every key in `store` (cluster-scoped names): a workload or target change
/// may alter any policy's assignments, and a policy or workload change any
/// target's workload count.
std::vector<std::string> all_keys(const kube::Store& store);
/// Workload or SchedulingPolicy changes may change which lease overrides are
/// valid: the targets of every lease in `leases` that has overrides.
std::vector<std::string> targets_with_lease_overrides(const kube::Store& leases);

/// A Deployment labelled labfleet.dev/target=T → T, when a lease of T is
/// Active: a rollout there may change that lease's condition Serving.
std::vector<std::string> lease_targets_for_deployment(const Caches& caches, const kube::Json& deployment);

/// An UpdateFilter for lease watches: spec, deletion or status.phase changed
/// (which lease holds a target, or waits for it); not conditions or queue positions.
bool lease_holding_changed(const kube::Json& old_lease, const kube::Json& new_lease);
/// An UpdateFilter for the DeploymentTarget controller's lease watch: what
/// its status shows of a lease (leases_of_target: spec.target, spec.holder,
/// status.phase, status.expiresAt) or a deletion changed. A renewal or a
/// maxDuration change moves expiresAt in a status-only write, after the spec
/// change that triggered it, so lease_holding_changed alone leaves the
/// target's activeLease.expiresAt stale.
bool lease_shown_on_target_changed(const kube::Json& old_lease, const kube::Json& new_lease);

// --- The same, as kube::KeyMapper closures for Controller::watch ---
kube::KeyMapper map_child_to_workload();
kube::KeyMapper map_target_to_workloads(Caches caches);
kube::KeyMapper map_policy_to_workloads(Caches caches);
kube::KeyMapper map_lease_to_workloads(Caches caches);
/// Ignores the changed object: every key of `store`.
kube::KeyMapper map_to_all_keys(const kube::Store& store);
/// An EnvironmentLease → its spec.target (lease_target_of).
kube::KeyMapper map_lease_to_target();
/// lease_targets_for_deployment.
kube::KeyMapper map_deployment_to_lease_target(Caches caches);
/// A DeploymentTarget → namespace_peers: a target created, deleted or moved
/// may change which of them holds their namespace.
kube::KeyMapper map_target_to_namespace_peers(const kube::Store& targets);
/// Ignores the changed object: targets_with_lease_overrides(leases).
kube::KeyMapper map_to_targets_with_lease_overrides(const kube::Store& leases);

} // namespace labfleet::controllers
