#pragma once
// EnvironmentLeasePlanner: the pure decisions of the lease controller for one
// DeploymentTarget — which lease holds it, the FIFO queue of the others, what
// expires or is released now, which finished leases are old enough to delete,
// and when to look again. No I/O and no memory between calls: everything is
// derived from the leases' status as the API server holds it, so a restarted
// or newly elected operator decides exactly as the previous one would have.
//
// Decisions beyond SPEC.md:
// - Two Active leases (a bug or a hand-edited status): the one acquired first
//   (then FIFO order) keeps the target; the others go back to Pending at their
//   FIFO place, with a LeaseRequeued Warning event.
// - While Active, expiresAt always equals acquiredAt + the duration clamped to
//   maxDuration: raising spec.duration renews, lowering it shortens. Finished
//   leases (Expired, Released) are history and never change again.
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

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
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
} // namespace lease_conditions

/// A lease as cached, with status.observedGeneration (not in the api struct).
struct ObservedLease {
    api::v1alpha1::EnvironmentLease lease;
    std::int64_t observed_generation = 0;
};

/// What a status change does to a lease, for metrics and tests.
enum class LeaseTransition { None, Granted, Expired, Released, Requeued };

struct LeaseEvent {
    kube::EventType type = kube::EventType::Normal;
    std::string reason;  // LeaseGranted, LeaseExpiring, LeaseExpired, LeaseReleased, LeaseRequeued
    std::string note;
    friend bool operator==(const LeaseEvent&, const LeaseEvent&) = default;
};

/// A status to write; its events are recorded only once the write succeeded.
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

/// Plans the leases of one target. `target` is null when it does not exist;
/// `leases` are all leases whose spec.target names it (any order);
/// `assigned_workloads` are the workloads the policies assign to it.
LeasePlan plan_target_leases(const api::v1alpha1::DeploymentTarget* target,
                             const std::vector<ObservedLease>& leases,
                             const std::vector<std::string>& assigned_workloads, kube::WallTime now,
                             const LeasePlannerOptions& options = {});

/// FIFO order of the queue: creationTimestamp, then name.
bool lease_queue_before(const api::v1alpha1::EnvironmentLease& a, const api::v1alpha1::EnvironmentLease& b);

} // namespace labfleet::controllers
