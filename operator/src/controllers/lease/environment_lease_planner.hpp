#pragma once
// EnvironmentLeasePlanner: the pure decisions of the lease controller for one
// DeploymentTarget — which lease holds it, the FIFO queue of the others, what
// expires or is released now, which finished leases are old enough to delete,
// and when to look again. No I/O and no memory between calls: everything is
// derived from the leases' status as the API server holds it, so a restarted
// or newly elected operator decides exactly as the previous one would have.
//
// Decisions beyond SPEC.md:
// - The queue is FIFO by lease_queue_before (creationTimestamp, then name).
// - Two Active leases (a bug or a hand-edited status): the one that holds by
//   lease_holds_before (acquired first, then FIFO order) keeps the target; the
//   others go back to Pending at their FIFO place, with a LeaseRequeued
//   Warning event.
// - Every event is named by lease_event_name, so recording it again (after a
//   crash, see environment_lease_events) never doubles it.
// - While Active, expiresAt always equals acquiredAt + the duration clamped to
//   maxDuration: raising spec.duration renews, lowering it shortens, until
//   the recorded status.expiresAt passes. From then on the lease has expired,
//   whatever spec.duration says: a renewal seen late (the operator stopped,
//   or a failover) revives nothing. Finished
//   leases (Expired, Released) are history: their phase and times never
//   change again (only their health, see below).
// - acquiredAt and expiresAt are rounded UP to whole seconds (metav1.Time):
//   the target is held from the moment of the grant, so a lease never lasts
//   less than its duration (at most a second more), and expiresAt - acquiredAt
//   is exactly the duration a user reads. releasedAt is rounded down.
// - `release: true` wins over a deadline passed at the same time (Released).
// - A lease being deleted (deletionTimestamp set) is Released; one already
//   gone just leaves, and the next one is granted when its absence is seen.
// - An Active lease whose target disappears keeps running until expiresAt
//   (GitOps tools may delete and re-create targets); nothing new is granted
//   on a missing target.
// - A paused target (spec.paused) grants nothing: waiting leases keep their
//   FIFO place with condition Paused=True; an Active lease runs on. Resuming
//   grants in order.
// - The Active lease carries condition Serving (environment_lease_serving),
//   computed by the caller; a lease sent back to the queue shows
//   Serving=False, reason NotActive.
// - A lease that finishes keeps only its health (Ready, Reconciling,
//   Stalled): the other conditions describe an open lease, and every
//   condition is API server work in each write (a storm of expiries is
//   bounded by it).
// - A lease kept in git is granted once, whatever retention does: a lease
//   not yet planned (no phase) whose name the target recently served and the
//   operator deleted after retention (served_leases) is set Expired at once,
//   with Ready reason AlreadyServed and a Warning Event AlreadyServed telling
//   the person to remove it from git, and is never deleted: a GitOps tool
//   that recreated it finds it in place, so the loop ends after one recreate.
//   `release: true` in the recreated lease changes nothing (Released would be
//   deleted by retention again).
// - Every lease carries health (health.hpp), lease_health's definition:
//   waiting → Reconciling (Queued, or TargetPaused); Active → Reconciling
//   (RollingOut) until Serving=True, then Ready (Serving); Expired and
//   Released → Ready (Expired, Released): a finished lease is done, so
//   GitOps waits end; an invalid spec or a missing target → Stalled.
//   A finished lease's status changes only to keep its health and
//   observedGeneration describing its current generation.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "controllers/lease/environment_lease_events.hpp"
#include "controllers/lease/environment_lease_order.hpp"
#include "controllers/lease/environment_lease_serving.hpp"
#include "controllers/status/health.hpp"
#include "kube/util/clock.hpp"
#include "kube/events/event_sink.hpp"

namespace labfleet::controllers {

/// Condition types the lease controller writes on every open lease.
namespace lease_conditions {
inline constexpr const char* target_not_found = "TargetNotFound";
inline constexpr const char* overrides_valid = "OverridesValid";
inline constexpr const char* duration_clamped = "DurationClamped";
/// True once the LeaseExpiring event was recorded: the durable "notified" flag.
inline constexpr const char* expiring_soon = "ExpiringSoon";
/// On the Active lease: the target runs its images (environment_lease_serving).
inline constexpr const char* serving = "Serving";
/// True on a waiting lease while its target is paused.
inline constexpr const char* paused = "Paused";
} // namespace lease_conditions

/// A lease as cached, with status.observedGeneration (not in the api struct).
struct ObservedLease {
    api::v1alpha1::EnvironmentLease lease;
    std::int64_t observed_generation = 0;
    /// What validate() finds wrong with the spec: the lease is Stalled and
    /// never granted (the leases behind it are); one already Active runs on.
    std::optional<SpecProblem> problem;
};

/// The health of `lease` with its planned status; `target_exists` and
/// `serving` (its Serving state when Active, null when not observed) as
/// the planner knows them.
Health lease_health(const ObservedLease& lease, const api::v1alpha1::EnvironmentLeaseStatus& status,
                    bool target_exists, bool target_paused, const ServingState* serving);

/// What a status change does to a lease, for metrics and tests.
enum class LeaseTransition { None, Granted, Expired, Released, Requeued };

/// A status to write; its events are recorded only once the write succeeded
/// (and again while the status shows them: lease_events_shown).
struct LeaseStatusChange {
    std::string lease;
    api::v1alpha1::EnvironmentLeaseStatus status;
    std::int64_t observed_generation = 0;
    LeaseTransition transition = LeaseTransition::None;
    std::vector<LeaseEvent> events;
};

struct LeasePlan {
    /// In write order: releases and expiries before the grant they make room
    /// for, so a failed write never leaves two Active leases.
    std::vector<LeaseStatusChange> changes;
    /// Finished leases past their retention.
    std::vector<std::string> deletions;
    /// The next deadline: notify time, expiresAt or a retention end.
    std::optional<kube::WallTime> next_wakeup;

    bool empty() const { return changes.empty() && deletions.empty(); }
};

struct LeasePlannerOptions {
    /// How long finished leases are kept (counted from releasedAt).
    std::chrono::milliseconds retention = std::chrono::hours{24};
};

/// Whether the target serves each lease's images, by lease name, as if that
/// lease held the target (so a lease granted in the plan gets it too).
using LeaseServing = std::map<std::string, ServingState, std::less<>>;

/// Names of leases the target served and the operator deleted after
/// retention, recently (served_leases: recently_served).
using AlreadyServed = std::set<std::string, std::less<>>;

/// Plans the leases of one target. `target` is null when it does not exist;
/// `leases` are all leases whose spec.target names it (any order);
/// `assigned_workloads` are the workloads the policies assign to it; an
/// Active lease missing from `serving` gets Serving=Unknown; a lease not yet
/// planned whose name is in `already_served` is finished at once (AlreadyServed).
LeasePlan plan_target_leases(const api::v1alpha1::DeploymentTarget* target,
                             const std::vector<ObservedLease>& leases,
                             const std::vector<std::string>& assigned_workloads, kube::WallTime now,
                             const LeasePlannerOptions& options = {}, const LeaseServing& serving = {},
                             const AlreadyServed& already_served = {});

/// True for a lease finished as AlreadyServed: Expired with Ready reason
/// AlreadyServed. Such a lease is never deleted by retention.
bool is_already_served(const api::v1alpha1::EnvironmentLeaseStatus& status);

/// The Events of leases that left the cache (deleted without a finalizer):
/// LeaseReleased for one last seen Active or waiting, named as the planner
/// names it, so one also recorded on the way out is not doubled; none for
/// finished leases.
std::vector<LeaseEvent> departure_events(const api::v1alpha1::EnvironmentLease& last_seen);

} // namespace labfleet::controllers
