#include "controllers/lease/environment_lease_events.hpp"

#include "controllers/lease/environment_lease_planner.hpp"
#include "kube/meta/time_format.hpp"

namespace labfleet::controllers {

namespace {
using api::v1alpha1::LeasePhase;
} // namespace

std::string lease_event_name(const api::v1alpha1::EnvironmentLease& lease, std::string_view reason,
                             std::optional<kube::WallTime> at) {
    std::string occurrence = lease.metadata.uid;
    if (at) occurrence += "@" + kube::format_rfc3339(*at);
    return kube::occurrence_event_name(lease.metadata.name, reason, occurrence);
}

std::vector<LeaseEvent> lease_events_shown(const api::v1alpha1::EnvironmentLease& lease, kube::WallTime now,
                                           std::chrono::milliseconds window) {
    std::vector<LeaseEvent> out;
    const auto recent = [&](kube::WallTime at) { return now - at <= window; };
    const auto& status = lease.status;
    const std::string& target = lease.spec.target;
    const std::string& holder = lease.spec.holder;
    const std::string expires = status.expires_at ? kube::format_rfc3339(*status.expires_at) : std::string("-");

    if (status.acquired_at && recent(*status.acquired_at))
        out.push_back({kube::EventType::Normal, "LeaseGranted",
                       "Target " + target + " granted to " + holder + " until " + expires,
                       lease_event_name(lease, "LeaseGranted", status.acquired_at)});
    const auto* expiring = api::v1alpha1::find_condition(status.conditions, lease_conditions::expiring_soon);
    if (status.phase == LeasePhase::Active && status.expires_at && expiring != nullptr && expiring->status == "True" &&
        recent(expiring->last_transition_time))
        out.push_back({kube::EventType::Warning, "LeaseExpiring",
                       "Lease of " + holder + " on target " + target + " expires at " + expires,
                       lease_event_name(lease, "LeaseExpiring", expiring->last_transition_time)});
    if (!status.released_at || !recent(*status.released_at)) return out;
    if (status.phase == LeasePhase::Expired)
        out.push_back({kube::EventType::Normal, "LeaseExpired",
                       "Lease of " + holder + " on target " + target + " expired at " + expires + "; the target is free",
                       lease_event_name(lease, "LeaseExpired")});
    if (status.phase == LeasePhase::Released)
        out.push_back({kube::EventType::Normal, "LeaseReleased",
                       status.acquired_at ? "Released by " + holder + " while active; target " + target + " is free"
                                          : "Released by " + holder + " before it was granted; left the queue of target " +
                                                target,
                       lease_event_name(lease, "LeaseReleased")});
    return out;
}

} // namespace labfleet::controllers
