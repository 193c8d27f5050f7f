#include "controllers/lease/environment_lease_planner.hpp"

#include <algorithm>
#include <set>

#include "api/v1alpha1/duration.hpp"
#include "controllers/status/conditions.hpp"
#include "kube/meta/time_format.hpp"

namespace labfleet::controllers {

namespace {

using api::v1alpha1::Condition;
using api::v1alpha1::EnvironmentLease;
using api::v1alpha1::EnvironmentLeaseStatus;
using api::v1alpha1::LeasePhase;
using api::v1alpha1::LeaseSettings;
using kube::WallTime;
namespace conditions = lease_conditions;

WallTime floor_seconds(WallTime t) { return std::chrono::floor<std::chrono::seconds>(t); }
WallTime ceil_seconds(WallTime t) { return std::chrono::ceil<std::chrono::seconds>(t); }

bool is_finished(LeasePhase phase) { return phase == LeasePhase::Expired || phase == LeasePhase::Released; }
bool is_waiting(LeasePhase phase) { return phase == LeasePhase::Unset || phase == LeasePhase::Pending; }

bool condition_true(const std::vector<Condition>& list, std::string_view type) {
    const Condition* found = api::v1alpha1::find_condition(list, type);
    return found != nullptr && found->status == "True";
}

struct DurationChoice {
    std::chrono::milliseconds requested;
    std::chrono::milliseconds effective;
    bool clamped = false;
};

DurationChoice choose_duration(const EnvironmentLease& lease, const LeaseSettings& settings) {
    const auto requested = lease.spec.duration.value_or(settings.default_duration);
    const auto effective = std::min(requested, settings.max_duration);
    return {requested, effective, requested > settings.max_duration};
}

/// The note of a lease's LeaseReleased Event.
std::string released_note(const EnvironmentLease& lease, bool was_active, bool deleting) {
    const std::string who = deleting ? "Deleted" : "Released by " + lease.spec.holder;
    if (was_active) return who + " while active; target " + lease.spec.target + " is free";
    return who + " before it was granted; left the queue of target " + lease.spec.target;
}

/// One open lease being planned.
struct Work {
    const ObservedLease* observed;
    EnvironmentLeaseStatus status;
    LeaseTransition transition = LeaseTransition::None;
    std::vector<LeaseEvent> events;

    const EnvironmentLease& lease() const { return observed->lease; }
};

class Planner {
public:
    Planner(const api::v1alpha1::DeploymentTarget* target, const std::vector<ObservedLease>& leases,
            const std::vector<std::string>& assigned, WallTime now, const LeasePlannerOptions& options,
            const LeaseServing& serving, const AlreadyServed& already_served)
        : target_(target), serving_(serving), already_served_(already_served),
          assigned_(assigned.begin(), assigned.end()), now_(now),
          now_s_(floor_seconds(now)), options_(options),
          settings_(target != nullptr ? target->spec.leases : LeaseSettings{}) {
        for (const auto& lease : leases) sorted_.push_back(&lease);
        std::sort(sorted_.begin(), sorted_.end(), [](const ObservedLease* a, const ObservedLease* b) {
            return lease_queue_before(a->lease, b->lease);
        });
        if (target != nullptr) target_name_ = target->metadata.name;
        else if (!leases.empty()) target_name_ = leases.front().lease.spec.target;
    }

    LeasePlan run() {
        split_history();
        finish_already_served();
        release_leaving();
        Work* keeper = resolve_actives();
        if (keeper != nullptr && !keep_active(*keeper)) keeper = nullptr;
        if (keeper == nullptr) keeper = grant_next();
        if (keeper != nullptr) watch_deadlines(*keeper);
        number_queue();
        for (auto& work : open_) set_conditions(work);
        emit();
        return std::move(plan_);
    }

private:
    void wake_at(WallTime t) {
        if (!plan_.next_wakeup || t < *plan_.next_wakeup) plan_.next_wakeup = t;
    }

    /// Finished leases: deleted after retention, otherwise untouched (a
    /// missing releasedAt is filled in so the retention clock can start).
    void split_history() {
        for (const ObservedLease* observed : sorted_) {
            const EnvironmentLease& lease = observed->lease;
            if (!is_finished(lease.status.phase)) {
                open_.push_back(Work{observed, lease.status, LeaseTransition::None, {}});
                continue;
            }
            if (lease.metadata.deletion_timestamp) continue;
            LeaseStatusChange fix{lease.metadata.name, lease.status, lease.metadata.generation,
                                  LeaseTransition::None, {}};
            if (is_already_served(lease.status)) {
                // Kept: deleting it would let a GitOps tool create it once more.
            } else if (!lease.status.released_at) {
                fix.status.released_at = now_s_;
                wake_at(now_s_ + options_.retention);
            } else if (const WallTime deadline = *lease.status.released_at + options_.retention; deadline <= now_) {
                plan_.deletions.push_back(lease.metadata.name);
                continue;
            } else {
                wake_at(deadline);
            }
            // Health and observedGeneration follow the generation, so a tool
            // that changed a finished lease's spec sees it done, not waiting.
            fix.status.conditions = merge_conditions(
                lease.status.conditions, health_conditions(lease_health(*observed, lease.status, target_ != nullptr,
                                                                        false, nullptr)),
                lease.metadata.generation, now_s_);
            if (fix.status != lease.status || observed->observed_generation != lease.metadata.generation)
                history_fixes_.push_back(std::move(fix));
        }
    }

    /// A lease never planned under a name the target already served and that
    /// retention deleted: a GitOps tool restored it; it is finished at once.
    void finish_already_served() {
        for (auto& work : open_) {
            const EnvironmentLease& lease = work.lease();
            if (work.status.phase != LeasePhase::Unset || lease.metadata.deletion_timestamp ||
                !already_served_.contains(lease.metadata.name))
                continue;
            // No releasedAt: it starts no retention clock (and shows no LeaseExpired Event).
            work.status = {};
            work.status.phase = LeasePhase::Expired;
            const std::string message = "Lease " + lease.metadata.name + " was already granted on target " +
                                        target_name_ + " and deleted after retention; a lease is granted once: "
                                        "remove it from git (to borrow again, use a new name)";
            set_condition(work.status.conditions, {"Ready", "True", "AlreadyServed", message},
                          lease.metadata.generation, now_s_);
            work.events.push_back({kube::EventType::Warning, "AlreadyServed", message,
                                   lease_event_name(lease, "AlreadyServed")});
        }
    }

    /// `release: true` or deletion: Released, whether Active or still queued.
    void release_leaving() {
        for (auto& work : open_) {
            const EnvironmentLease& lease = work.lease();
            const bool deleting = lease.metadata.deletion_timestamp.has_value();
            if (!deleting && !lease.spec.release) continue;
            // Finished as AlreadyServed just now: it stays so, `release: true` or not,
            // or retention would delete it and the GitOps tool restore it once more.
            if (is_finished(work.status.phase)) continue;
            const bool was_active = work.status.phase == LeasePhase::Active;
            work.status.phase = LeasePhase::Released;
            work.status.queue_position = 0;
            work.status.released_at = now_s_;
            work.transition = LeaseTransition::Released;
            if (!deleting) wake_at(now_s_ + options_.retention);
            work.events.push_back({kube::EventType::Normal, "LeaseReleased", released_note(lease, was_active, deleting),
                                   lease_event_name(lease, "LeaseReleased")});
        }
    }

    /// At most one Active: the first acquired keeps it, others are requeued.
    Work* resolve_actives() {
        std::vector<Work*> actives;
        for (auto& work : open_)
            if (work.status.phase == LeasePhase::Active) actives.push_back(&work);
        if (actives.empty()) return nullptr;
        // The statuses of Active leases are still as cached: order them as every reader does.
        std::sort(actives.begin(), actives.end(),
                  [](const Work* a, const Work* b) { return lease_holds_before(a->lease(), b->lease()); });
        Work* keeper = actives.front();
        for (std::size_t i = 1; i < actives.size(); ++i) {
            Work& other = *actives[i];
            const std::string event_name = lease_event_name(other.lease(), "LeaseRequeued", other.status.acquired_at);
            other.status.phase = LeasePhase::Pending;
            other.status.acquired_at.reset();
            other.status.expires_at.reset();
            other.transition = LeaseTransition::Requeued;
            other.events.push_back({kube::EventType::Warning, "LeaseRequeued",
                                    "Target " + target_name_ + " is already held by " + keeper->lease().metadata.name +
                                        "; this lease is back in the queue",
                                    event_name});
        }
        return keeper;
    }

    /// Renews or expires the Active lease; false when it expired.
    bool keep_active(Work& work) {
        if (!work.status.acquired_at) work.status.acquired_at = ceil_seconds(now_);
        // Once the recorded expiresAt has passed the lease has expired: a duration
        // raised later (seen late by a stopped or newly elected operator) revives nothing.
        const bool deadline_passed = work.status.expires_at && now_ >= *work.status.expires_at;
        if (!deadline_passed && (target_ != nullptr || !work.status.expires_at))
            work.status.expires_at =
                ceil_seconds(*work.status.acquired_at + choose_duration(work.lease(), settings_).effective);
        work.status.queue_position = 0;
        work.status.released_at.reset();
        if (now_ < *work.status.expires_at) return true;
        work.status.phase = LeasePhase::Expired;
        work.status.released_at = now_s_;
        work.transition = LeaseTransition::Expired;
        wake_at(now_s_ + options_.retention);
        work.events.push_back({kube::EventType::Normal, "LeaseExpired",
                               "Lease of " + work.lease().spec.holder + " on target " + target_name_ +
                                   " expired at " + kube::format_rfc3339(*work.status.expires_at) +
                                   "; the target is free",
                               lease_event_name(work.lease(), "LeaseExpired")});
        return false;
    }

    /// Grants the first waiting lease with a valid spec (FIFO); never on a
    /// missing or paused target.
    Work* grant_next() {
        if (target_ == nullptr || target_->spec.paused) return nullptr;
        for (auto& work : open_) {
            if (!is_waiting(work.status.phase) || work.observed->problem) continue;
            work.status.phase = LeasePhase::Active;
            work.status.queue_position = 0;
            // Rounded up, not down: the target is held from now_, so expiresAt =
            // acquiredAt + duration is never less than a full duration away.
            work.status.acquired_at = ceil_seconds(now_);
            work.status.expires_at =
                ceil_seconds(*work.status.acquired_at + choose_duration(work.lease(), settings_).effective);
            work.status.released_at.reset();
            work.transition = LeaseTransition::Granted;
            work.events.push_back({kube::EventType::Normal, "LeaseGranted",
                                   "Target " + target_name_ + " granted to " + work.lease().spec.holder + " until " +
                                       kube::format_rfc3339(*work.status.expires_at),
                                   lease_event_name(work.lease(), "LeaseGranted", work.status.acquired_at)});
            return &work;
        }
        return nullptr;
    }

    /// The notify time (a Warning event, once) and expiresAt of the holder.
    void watch_deadlines(Work& work) {
        const WallTime expires_at = *work.status.expires_at;
        const WallTime notify_at = expires_at - settings_.notify_before;
        const bool expiring = now_ >= notify_at;
        if (expiring && !condition_true(work.status.conditions, conditions::expiring_soon))
            work.events.push_back({kube::EventType::Warning, "LeaseExpiring",
                                   "Lease of " + work.lease().spec.holder + " on target " + target_name_ +
                                       " expires at " + kube::format_rfc3339(expires_at),
                                   // set_conditions stamps ExpiringSoon=True with now_s_
                                   lease_event_name(work.lease(), "LeaseExpiring", now_s_)});
        if (!expiring) wake_at(notify_at);
        wake_at(expires_at);
    }

    void number_queue() {
        std::int64_t position = 1;
        for (auto& work : open_) {
            if (!is_waiting(work.status.phase)) continue;
            work.status.phase = LeasePhase::Pending;
            work.status.queue_position = position++;
            work.status.acquired_at.reset();
            work.status.expires_at.reset();
            work.status.released_at.reset();
        }
    }

    void set_conditions(Work& work) {
        const EnvironmentLease& lease = work.lease();
        const std::int64_t generation = lease.metadata.generation;
        if (is_finished(work.status.phase)) {
            // Finished now: history keeps its health alone. The details describe an
            // open lease, and each condition is API server work in every write.
            std::erase_if(work.status.conditions,
                          [](const api::v1alpha1::Condition& c) { return !is_health_condition(c.type); });
        } else {
            set_details(work);
        }
        const auto serving = serving_.find(lease.metadata.name);
        for (const auto& update :
             health_conditions(lease_health(*work.observed, work.status, target_ != nullptr,
                                            target_ != nullptr && target_->spec.paused,
                                            serving == serving_.end() ? nullptr : &serving->second)))
            set_condition(work.status.conditions, update, generation, now_s_);
        for (auto& condition : work.status.conditions) condition.observed_generation = generation;
    }

    /// The conditions of an open lease besides its health.
    void set_details(Work& work) {
        const EnvironmentLease& lease = work.lease();
        const std::int64_t generation = lease.metadata.generation;
        auto set = [&](const char* type, std::string status, std::string reason, std::string message) {
            set_condition(work.status.conditions,
                          ConditionUpdate{type, std::move(status), std::move(reason), std::move(message)}, generation,
                          now_s_);
        };

        if (target_ == nullptr) {
            const std::string missing = "Deployment target " + target_name_ + " does not exist";
            set(conditions::target_not_found, "True", "TargetNotFound", missing + "; the lease waits for it");
            set(conditions::overrides_valid, "Unknown", "TargetNotFound", missing);
            set(conditions::duration_clamped, "Unknown", "TargetNotFound", missing);
        } else {
            set(conditions::target_not_found, "False", "TargetFound",
                "Deployment target " + target_name_ + " exists");
            std::string unassigned;
            for (const auto& override_ : lease.spec.overrides) {
                if (assigned_.contains(override_.workload)) continue;
                unassigned += (unassigned.empty() ? "" : ", ") + override_.workload;
            }
            if (unassigned.empty())
                set(conditions::overrides_valid, "True", "OverridesValid",
                    "Every override names a workload assigned to target " + target_name_);
            else
                set(conditions::overrides_valid, "False", "WorkloadNotAssigned",
                    "Not assigned to target " + target_name_ + ", these overrides are ignored: " + unassigned);
            const DurationChoice duration = choose_duration(lease, settings_);
            if (duration.clamped)
                set(conditions::duration_clamped, "True", "ClampedToMaxDuration",
                    "Requested " + api::v1alpha1::format_duration(duration.requested) + " exceeds the maxDuration " +
                        api::v1alpha1::format_duration(duration.effective) + " of target " + target_name_);
            else
                set(conditions::duration_clamped, "False", "WithinMaxDuration",
                    "Lasts " + api::v1alpha1::format_duration(duration.effective) + ", within the maxDuration " +
                        api::v1alpha1::format_duration(settings_.max_duration) + " of target " + target_name_);
        }

        const bool waiting = is_waiting(work.status.phase);
        if (waiting && target_ != nullptr && target_->spec.paused)
            set(conditions::paused, "True", "TargetPaused",
                "Target " + target_name_ + " is paused; leases are granted in order once it resumes");
        else if (api::v1alpha1::find_condition(work.status.conditions, conditions::paused) != nullptr)
            set(conditions::paused, "False", waiting ? "TargetNotPaused" : "NotWaiting",
                waiting ? "Target " + target_name_ + " is not paused"
                        : "The lease no longer waits for target " + target_name_);

        if (work.status.phase == LeasePhase::Active) {
            const auto found = serving_.find(lease.metadata.name);
            if (found == serving_.end())
                set(conditions::serving, "Unknown", "NotObserved",
                    "What target " + target_name_ + " runs was not observed");
            else
                set(conditions::serving, found->second.serving ? "True" : "False", found->second.reason,
                    found->second.message);
        } else if (api::v1alpha1::find_condition(work.status.conditions, conditions::serving) != nullptr) {
            set(conditions::serving, "False", "NotActive", "The lease does not hold target " + target_name_);
        }

        switch (work.status.phase) {
        case LeasePhase::Active: {
            const WallTime expires_at = *work.status.expires_at;
            const std::string at = kube::format_rfc3339(expires_at);
            if (now_ >= expires_at - settings_.notify_before)
                set(conditions::expiring_soon, "True", "ExpiringSoon", "Expires at " + at);
            else
                set(conditions::expiring_soon, "False", "NotExpiringSoon",
                    "Expires at " + at + ", notice " + api::v1alpha1::format_duration(settings_.notify_before) +
                        " before");
            break;
        }
        case LeasePhase::Expired:
        case LeasePhase::Released:
            break;  // set_conditions keeps no details on a finished lease
        case LeasePhase::Pending:
        case LeasePhase::Unset:
            set(conditions::expiring_soon, "False", "NotActive", "Waiting in the queue");
            break;
        }
    }

    /// Writes only what changed; finishing transitions first, then the grant.
    void emit() {
        std::vector<LeaseStatusChange> changes;
        for (auto& work : open_) {
            const ObservedLease& observed = *work.observed;
            const std::int64_t generation = observed.lease.metadata.generation;
            if (work.status == observed.lease.status && observed.observed_generation == generation) continue;
            changes.push_back({observed.lease.metadata.name, std::move(work.status), generation, work.transition,
                               std::move(work.events)});
        }
        auto rank = [](LeaseTransition t) {
            switch (t) {
            case LeaseTransition::Expired:
            case LeaseTransition::Released:
            case LeaseTransition::Requeued: return 0;
            case LeaseTransition::Granted: return 1;
            case LeaseTransition::None: return 2;
            }
            return 2;
        };
        std::stable_sort(changes.begin(), changes.end(), [&](const LeaseStatusChange& a, const LeaseStatusChange& b) {
            return rank(a.transition) < rank(b.transition);
        });
        for (auto& fix : history_fixes_) changes.push_back(std::move(fix));
        plan_.changes = std::move(changes);
    }

    const api::v1alpha1::DeploymentTarget* target_;
    const LeaseServing& serving_;
    const AlreadyServed& already_served_;
    std::set<std::string, std::less<>> assigned_;
    WallTime now_;
    WallTime now_s_;
    LeasePlannerOptions options_;
    LeaseSettings settings_;
    std::string target_name_;
    std::vector<const ObservedLease*> sorted_;
    std::vector<Work> open_;  // FIFO order
    std::vector<LeaseStatusChange> history_fixes_;
    LeasePlan plan_;
};

} // namespace

Health lease_health(const ObservedLease& observed, const EnvironmentLeaseStatus& status, bool target_exists,
                    bool target_paused, const ServingState* serving) {
    const std::string& target = observed.lease.spec.target;
    if (is_already_served(status)) {
        const auto* ready = api::v1alpha1::find_condition(status.conditions, "Ready");
        return Health::ready("AlreadyServed", ready->message);
    }
    switch (status.phase) {
    case LeasePhase::Expired:
        return Health::ready("Expired", "Finished: expired" +
                                            (status.expires_at ? " at " + kube::format_rfc3339(*status.expires_at)
                                                               : std::string()));
    case LeasePhase::Released: return Health::ready("Released", "Finished: released before it expired");
    default: break;
    }
    if (observed.problem)
        return Health::stalled(observed.problem->reason,
                               observed.problem->message +
                                   (status.phase == LeasePhase::Active ? "" : "; not granted until it is fixed"));
    if (!target_exists)
        return Health::stalled("TargetNotFound", "Deployment target " + target + " does not exist");
    if (status.phase == LeasePhase::Active) {
        if (serving == nullptr)
            return Health::reconciling("RollingOut", "What target " + target + " runs was not observed");
        if (serving->serving) return Health::ready("Serving", serving->message);
        return Health::reconciling("RollingOut", serving->message);
    }
    if (target_paused)
        return Health::reconciling("TargetPaused",
                                   "Target " + target + " is paused; leases are granted in order once it resumes");
    return Health::reconciling("Queued", "Position " + std::to_string(status.queue_position) +
                                             " in the queue of target " + target);
}

bool is_already_served(const EnvironmentLeaseStatus& status) {
    if (status.phase != LeasePhase::Expired) return false;
    const auto* ready = api::v1alpha1::find_condition(status.conditions, "Ready");
    return ready != nullptr && ready->reason == "AlreadyServed";
}

LeasePlan plan_target_leases(const api::v1alpha1::DeploymentTarget* target, const std::vector<ObservedLease>& leases,
                             const std::vector<std::string>& assigned_workloads, kube::WallTime now,
                             const LeasePlannerOptions& options, const LeaseServing& serving,
                             const AlreadyServed& already_served) {
    return Planner(target, leases, assigned_workloads, now, options, serving, already_served).run();
}

std::vector<LeaseEvent> departure_events(const EnvironmentLease& last_seen) {
    const LeasePhase phase = last_seen.status.phase;
    if (is_finished(phase)) return {};
    return {{kube::EventType::Normal, "LeaseReleased", released_note(last_seen, phase == LeasePhase::Active, true),
             lease_event_name(last_seen, "LeaseReleased")}};
}

} // namespace labfleet::controllers
