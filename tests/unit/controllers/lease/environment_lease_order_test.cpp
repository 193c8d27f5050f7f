#include <catch2/catch.hpp>

#include <algorithm>

#include "controllers/target/deployment_target_status.hpp"
#include "controllers/lease/environment_lease_order.hpp"
#include "controllers/lease/environment_lease_planner.hpp"
#include "controllers/fleet_view.hpp"

using namespace labfleet::controllers;
using namespace std::chrono_literals;
using labfleet::api::v1alpha1::EnvironmentLease;
using labfleet::api::v1alpha1::LeasePhase;
using labfleet::kube::WallTime;

namespace {
const WallTime t0{std::chrono::seconds{1'700'000'000}};

EnvironmentLease lease(std::string name, WallTime created, LeasePhase phase = LeasePhase::Pending,
                       std::optional<WallTime> acquired = std::nullopt) {
    EnvironmentLease l;
    l.metadata.name = std::move(name);
    l.metadata.uid = "uid-" + l.metadata.name;
    l.metadata.creation_timestamp = created;
    l.spec.target = "stg";
    l.spec.holder = "holder-of-" + l.metadata.name;
    l.status.phase = phase;
    l.status.acquired_at = acquired;
    if (acquired) l.status.expires_at = *acquired + 1h;
    return l;
}
} // namespace

TEST_CASE("the queue: creationTimestamp, then name for leases created in the same second", "[controllers][lease_order]") {
    std::vector<EnvironmentLease> leases = {lease("c", t0), lease("b", t0 + 1s), lease("a", t0), lease("z", t0 - 1s)};
    EnvironmentLease no_stamp = lease("0", t0);
    no_stamp.metadata.creation_timestamp.reset();
    leases.push_back(no_stamp);
    std::sort(leases.begin(), leases.end(), lease_queue_before);
    std::vector<std::string> names;
    for (const auto& l : leases) names.push_back(l.metadata.name);
    CHECK(names == std::vector<std::string>{"z", "a", "c", "b", "0"});
}

TEST_CASE("the holder among Active leases: acquired first, then queue order, every reader agrees",
          "[controllers][lease_order]") {
    // "b" was acquired before "a": a name order (what the target status and
    // tag resolution used) picks "a", the planner keeps "b".
    const std::vector<EnvironmentLease> leases = {
        lease("a", t0, LeasePhase::Active, t0 + 10s), lease("b", t0 + 1s, LeasePhase::Active, t0 + 5s),
        lease("c", t0 - 1s, LeasePhase::Active), lease("p", t0 - 5s, LeasePhase::Pending)};
    const EnvironmentLease* holder = active_lease_of(leases, "stg");
    REQUIRE(holder != nullptr);
    CHECK(holder->metadata.name == "b");
    CHECK(active_lease_of(leases, "other") == nullptr);

    const EnvironmentLease* viewed = active_lease_for(leases, "stg");
    REQUIRE(viewed != nullptr);
    CHECK(viewed->metadata.name == "b");
    const TargetLeases shown = leases_of_target(leases, "stg");
    REQUIRE(shown.active);
    CHECK(shown.active->name == "b");
    CHECK(shown.pending == 1);

    std::vector<ObservedLease> observed;
    for (const auto& l : leases) observed.push_back({l, 0});
    labfleet::api::v1alpha1::DeploymentTarget target;
    target.metadata.name = "stg";
    const LeasePlan plan = plan_target_leases(&target, observed, {}, t0 + 20s);
    std::vector<std::string> requeued;
    for (const auto& change : plan.changes)
        if (change.transition == LeaseTransition::Requeued) requeued.push_back(change.lease);
    std::sort(requeued.begin(), requeued.end());
    CHECK(requeued == std::vector<std::string>{"a", "c"});

    SECTION("equal acquiredAt: the queue order decides") {
        const std::vector<EnvironmentLease> tied = {lease("a", t0 + 1s, LeasePhase::Active, t0 + 5s),
                                                    lease("b", t0, LeasePhase::Active, t0 + 5s)};
        CHECK(active_lease_of(tied, "stg")->metadata.name == "b");
        CHECK(leases_of_target(tied, "stg").active->name == "b");
    }
}
