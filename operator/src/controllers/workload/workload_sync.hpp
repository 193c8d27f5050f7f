#pragma once
// WorkloadSync: the pure core of the Workload reconciler. From one workload,
// the targets assigned to it, the leases and the children cached for it, it
// decides which children to apply (only those whose live state differs from
// the desired one), which to prune, and what the status says — no I/O, so
// every decision is tested without a cluster.

#include <cstdint>
#include <optional>
#include <set>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/workload.hpp"
#include "controllers/status/conditions.hpp"
#include "controllers/clusters/cluster_access.hpp"
#include "controllers/render/desired_objects.hpp"
#include "controllers/status/health.hpp"
#include "controllers/render/tag_resolution.hpp"
#include "kube/json/json.hpp"
#include "kube/client/resource.hpp"

namespace labfleet::controllers {

enum class ChildKind { ConfigMap, Deployment, Service };

kube::ResourceType resource_type_of(ChildKind kind);

/// Which child: its cluster ("" = the operator's own), kind and namespace/name.
using ChildId = std::tuple<std::string, ChildKind, kube::ObjectKey>;

/// A child object found in a cache, labelled with the workload.
struct CachedChild {
    ChildKind kind;
    kube::ObjectPtr object;
    std::string cluster;  // whose cache it is in; "" = the operator's own
};

/// Every cached ConfigMap, Deployment and Service labelled `label`=`value`
/// (workload_label or target_label: the stores' indexes), in every cluster of `stores`.
std::vector<CachedChild> cached_children(const std::vector<ChildStores>& stores, const char* label,
                                         const std::string& value);

/// What the reconciler knows about the world of one workload.
struct WorkloadWorld {
    std::vector<api::v1alpha1::DeploymentTarget> assigned_targets;  // ordered by name
    std::vector<api::v1alpha1::EnvironmentLease> leases;  // of the assigned targets (others are ignored)
    std::vector<CachedChild> children;
    /// Targets in the cache that fail decoding or validation: their children are left alone.
    std::set<std::string> unreadable_targets;
    /// Targets whose spec.paused is set, assigned or not: never written to.
    std::set<std::string> paused_targets;
    /// Targets whose children are neither pruned nor replaced: those a policy
    /// that fails decoding could assign the workload to (what it assigns is
    /// unknown: targets_unreadable_policies_could_assign), and those refused
    /// by target_refusals (nothing is written for them).
    std::set<std::string> frozen_targets;
    /// Assigned targets that cannot be written to now (their cluster does
    /// not answer, or is not the one they recorded): why. Treated as paused
    /// for writes and prunes; never ready.
    std::map<std::string, std::string> unwritable_targets;
    /// The installation_label value of children in other clusters.
    std::string installation;
    /// The version the workload's promotion gives each target (target_versions).
    std::map<std::string, api::v1alpha1::Version> promoted;
    /// The promotion's record for the status, when spec.promotion is set (plan_promotion).
    std::optional<api::v1alpha1::PromotionStatus> promotion;
};

/// Condition on a Workload: False while the workshop definition uses an unknown ${NAME}.
inline constexpr const char* placeholders_resolved_condition = "PlaceholdersResolved";

struct ChildApply {
    ChildKind kind;
    kube::Json object;
    std::string first_difference;  // "absent" or the path that differs, for the log
    /// Not in the cache (which holds only objects labelled as Labfleet's):
    /// an object of that name may still exist, so the writer only creates it,
    /// and when the name is taken reads it and applies only if not_ours()
    /// finds it Labfleet's.
    bool absent_from_cache = false;
    std::string cluster;  // the target's cluster; "" = the operator's own
};

struct ChildPrune {
    ChildKind kind;
    kube::ObjectKey key;
    std::string uid;     // delete precondition
    std::string target;  // its labfleet.dev/target label
    std::string cluster;  // "" = the operator's own
};

/// One assigned target as the status and the metrics show it.
struct TargetOutcome {
    std::string target;
    std::string environment;
    ResolvedImages images;
    std::int64_t desired_replicas = 0;
    std::int64_t ready_replicas = 0;  // the cached Deployment's status.readyReplicas
    bool paused = false;
    bool in_sync = false;  // every child already as desired (before this reconcile's writes)
    /// In sync (unless paused) and the Deployment's rollout of desired_replicas
    /// complete (rollout_progress): no old replica left, the updated ones available.
    bool ready = false;
    std::string rollout_missing;  // what the Deployment's rollout lacks (RolloutProgress::missing)
    std::string unwritable;       // why nothing can be written to the target now (WorkloadWorld::unwritable_targets)
    /// The pair's pod settings cannot run together (DesiredObjects::pod_settings_conflicts):
    /// nothing is applied to this target and the children stay as they are.
    std::vector<std::string> pod_settings_conflicts;
    /// Placeholders the workshop definition uses that Labfleet does not know,
    /// left as is (DesiredObjects::unknown_placeholders): "${X} in spec.workshop.title".
    std::vector<std::string> unknown_placeholders;
    /// Objects in the way that Labfleet did not create (not_ours), left as
    /// they are: "Deployment ns/name: why". The plan fills in cached ones,
    /// the writer those it reads before a first apply.
    std::vector<std::string> not_owned;
};

struct WorkloadSync {
    std::vector<ChildApply> applies;  // in target order: ConfigMap, Deployment, Service
    std::vector<ChildPrune> prunes;
    /// Deployments of this workload whose immutable spec.selector differs
    /// from the desired one (the namespace passed to another target): they
    /// are deleted and, once gone, created anew instead of applied.
    std::vector<ChildPrune> replaces;
    std::vector<TargetOutcome> targets;
    std::optional<api::v1alpha1::PromotionStatus> promotion;  // WorkloadWorld::promotion
};

/// Why `live`, an object where `workload` wants a child, is not Labfleet's
/// to write, or nullopt when it is: it must carry the labels
/// app.kubernetes.io/managed-by=labfleet and labfleet.dev/workload=<name>,
/// no controller ownerReference but this Workload (uid compared when both
/// are known), and, when managedFields are present, an entry of field manager
/// labfleet. In another cluster (`installation` not empty) it must also carry
/// installation_label=`installation`. Anything else was made by someone else
/// and is never adopted.
std::optional<std::string> not_ours(const kube::Json& live, const api::v1alpha1::Workload& workload,
                                    const std::string& installation = "");

/// "Deployment ns/name".
std::string child_name(ChildKind kind, const kube::ObjectKey& key);

/// The cached child of `kind` named `key` in `cluster`, or null.
const kube::Json* find_child(const std::vector<CachedChild>& children, const std::string& cluster, ChildKind kind,
                             const kube::ObjectKey& key);

/// Children of the workload that no desired object names any more (target
/// unassigned or moved to another namespace), except those of paused,
/// unreadable or frozen targets.
std::vector<ChildPrune> children_to_prune(const std::vector<CachedChild>& children,
                                          const std::set<ChildId>& desired,
                                          const WorkloadWorld& world);

/// Desired objects per assigned target, the applies needed (none for a child
/// already in sync, none on a paused target or one whose merged pod settings
/// conflict, none over a cached object that is not_ours), the Deployments
/// to replace and the prunes.
WorkloadSync plan_workload_sync(const api::v1alpha1::Workload& workload, const WorkloadWorld& world);

/// Every child of a workload that no longer exists (GC will get there too;
/// this is for children the GC cannot attribute, e.g. a missing uid).
std::vector<ChildPrune> children_of_missing_workload(const std::vector<CachedChild>& children);

/// The status for a valid workload: observedGeneration, targets[], and
/// Ready / Progressing / Degraded, Reconciling and Stalled (workload_health)
/// merged into the existing conditions.
/// `write_errors` are writes of this reconcile that failed terminally; they,
/// objects in the way that are not Labfleet's and pod settings that conflict
/// on a target make Degraded True (reason ApplyFailed, ObjectNotOwned or
/// InvalidPodSettings, the last first). PlaceholdersResolved is False (reason
/// UnknownPlaceholder, naming each placeholder and its field) while the
/// workshop definition uses a ${NAME} Labfleet does not know: it is rendered
/// as is, so the objects are still applied. A promotion's record goes into
/// status.promotion, and its phase into the health (promotion_health).
api::v1alpha1::WorkloadStatus workload_status(const api::v1alpha1::Workload& workload, const WorkloadSync& sync,
                                              const std::vector<std::string>& write_errors, kube::WallTime now);

/// The status of a workload whose spec is invalid (or does not decode):
/// invalid_spec_conditions of `problem` with Degraded, Progressing False;
/// targets kept.
api::v1alpha1::WorkloadStatus invalid_workload_status(api::v1alpha1::WorkloadStatus current,
                                                      std::int64_t generation, const SpecProblem& problem,
                                                      kube::WallTime now);

/// True when `desired` differs from `current` in anything but lastTransitionTime.
bool workload_status_changed(const api::v1alpha1::WorkloadStatus& current,
                             const api::v1alpha1::WorkloadStatus& desired);

} // namespace labfleet::controllers
