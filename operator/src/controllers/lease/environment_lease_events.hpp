#pragma once
// The lifecycle Events of a lease (LeaseGranted, LeaseExpiring, LeaseExpired,
// LeaseReleased, LeaseRequeued), each recorded exactly once. Every Event is
// named after the occurrence it records (the lease's uid, the reason, and for
// those that can happen more than once the instant in the status that
// identifies it), and the lease controller records, besides the Events of the
// statuses it writes, the Events every lease's status shows happened within
// the replay window: a process killed between a status write and its Event
// re-sends the Event when it (or the next leader) reads that status back,
// and the fixed name makes every re-send after the first a no-op.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/v1alpha1/environment_lease.hpp"
#include "kube/events/event_recorder.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::controllers {

struct LeaseEvent {
    kube::EventType type = kube::EventType::Normal;
    std::string reason;  // LeaseGranted, LeaseExpiring, LeaseExpired, LeaseReleased, LeaseRequeued
    std::string note;
    std::string name;  // the Event's name: lease_event_name
    friend bool operator==(const LeaseEvent&, const LeaseEvent&) = default;
};

/// The name of the Event recording `reason` for `lease`: from its name, uid
/// and `at`, the instant that tells occurrences apart — acquiredAt for
/// LeaseGranted and LeaseRequeued (the grant taken back), the time condition
/// ExpiringSoon turned True for LeaseExpiring; none for LeaseExpired and
/// LeaseReleased (final phases).
std::string lease_event_name(const api::v1alpha1::EnvironmentLease& lease, std::string_view reason,
                             std::optional<kube::WallTime> at = std::nullopt);

/// How far back lease_events_shown replays. Kept below the API server's
/// Event TTL (--event-ttl, 1 h by default), so a replay never re-creates an
/// Event the server already discarded.
inline constexpr std::chrono::minutes lease_event_replay_window{15};

/// The Events `lease`'s status shows happened at most `window` before `now`:
/// LeaseGranted (acquiredAt), LeaseExpiring (condition ExpiringSoon True
/// while Active: its lastTransitionTime), LeaseExpired and LeaseReleased
/// (releasedAt). LeaseRequeued leaves no trace in the status and is not
/// replayed. Named as the planner names them when it makes the transition.
std::vector<LeaseEvent> lease_events_shown(const api::v1alpha1::EnvironmentLease& lease, kube::WallTime now,
                                           std::chrono::milliseconds window = lease_event_replay_window);

} // namespace labfleet::controllers
