#include <catch2/catch.hpp>

#include "api/v1alpha1/condition.hpp"
#include "controllers/lease/environment_lease_events.hpp"
#include "controllers/lease/environment_lease_planner.hpp"

using namespace labfleet::controllers;
using namespace std::chrono_literals;
using labfleet::api::v1alpha1::EnvironmentLease;
using labfleet::api::v1alpha1::LeasePhase;
using labfleet::kube::WallTime;

namespace {
const WallTime t0{std::chrono::seconds{1'700'000'000}};

EnvironmentLease lease(std::string name) {
    EnvironmentLease l;
    l.metadata.name = std::move(name);
    l.metadata.uid = "uid-" + l.metadata.name;
    l.metadata.creation_timestamp = t0 - 1min;
    l.spec.target = "stg";
    l.spec.holder = "ann";
    l.spec.duration = 1h;
    return l;
}

std::vector<std::string> reasons(const std::vector<LeaseEvent>& events) {
    std::vector<std::string> out;
    for (const auto& event : events) out.push_back(event.reason);
    return out;
}

labfleet::api::v1alpha1::DeploymentTarget stg() {
    labfleet::api::v1alpha1::DeploymentTarget target;
    target.metadata.name = "stg";
    return target;
}
} // namespace

TEST_CASE("lease Event names: one per occurrence, the same from the planner and from the status",
          "[controllers][lease_events]") {
    const EnvironmentLease a = lease("a");
    CHECK(lease_event_name(a, "LeaseGranted", t0) == lease_event_name(a, "LeaseGranted", t0));
    CHECK(lease_event_name(a, "LeaseGranted", t0) != lease_event_name(a, "LeaseGranted", t0 + 1s));
    CHECK(lease_event_name(a, "LeaseGranted", t0) != lease_event_name(a, "LeaseExpired"));
    EnvironmentLease recreated = a;
    recreated.metadata.uid = "uid-2";
    CHECK(lease_event_name(a, "LeaseExpired") != lease_event_name(recreated, "LeaseExpired"));

    // The planner's grant, and what the written status shows afterwards.
    const auto target = stg();
    const LeasePlan plan = plan_target_leases(&target, {{a, 0}}, {}, t0);
    REQUIRE(plan.changes.size() == 1);
    REQUIRE(plan.changes[0].events.size() == 1);
    EnvironmentLease granted = a;
    granted.status = plan.changes[0].status;
    const auto shown = lease_events_shown(granted, t0 + 1min);
    REQUIRE(shown.size() == 1);
    CHECK(shown[0].reason == "LeaseGranted");
    CHECK(shown[0].name == plan.changes[0].events[0].name);
}

TEST_CASE("lease Events shown by a status, within the replay window", "[controllers][lease_events]") {
    EnvironmentLease l = lease("a");
    CHECK(lease_events_shown(l, t0).empty());

    l.status.phase = LeasePhase::Active;
    l.status.acquired_at = t0;
    l.status.expires_at = t0 + 1h;
    CHECK(reasons(lease_events_shown(l, t0 + 1min)) == std::vector<std::string>{"LeaseGranted"});
    CHECK(lease_events_shown(l, t0 + lease_event_replay_window + 1s).empty());

    labfleet::api::v1alpha1::Condition expiring;
    expiring.type = lease_conditions::expiring_soon;
    expiring.status = "True";
    expiring.last_transition_time = t0 + 55min;
    l.status.conditions.push_back(expiring);
    CHECK(reasons(lease_events_shown(l, t0 + 56min)) == std::vector<std::string>{"LeaseExpiring"});

    // A short lease granted and expired while the operator was down.
    l.status.phase = LeasePhase::Expired;
    l.status.released_at = t0 + 1h;
    l.status.conditions.clear();
    CHECK(reasons(lease_events_shown(l, t0 + 1h + 2s)) == std::vector<std::string>{"LeaseExpired"});
    CHECK(reasons(lease_events_shown(l, t0 + 10s, 2h)) == std::vector<std::string>{"LeaseGranted", "LeaseExpired"});

    EnvironmentLease queued = lease("q");
    queued.status.phase = LeasePhase::Released;
    queued.status.released_at = t0;
    const auto released = lease_events_shown(queued, t0 + 1s);
    REQUIRE(released.size() == 1);
    CHECK(released[0].reason == "LeaseReleased");
    CHECK(released[0].note.find("before it was granted") != std::string::npos);
}
