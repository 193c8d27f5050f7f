#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "controllers/lease/environment_lease_planner.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet;
using namespace labfleet::controllers;
using api::v1alpha1::DeploymentTarget;
using api::v1alpha1::LeasePhase;
using kube::WallTime;
using namespace std::chrono_literals;

namespace {

const WallTime t0{std::chrono::seconds{1'700'000'000}};

DeploymentTarget make_target(std::string name = "stg") {
    DeploymentTarget target;
    target.metadata.name = std::move(name);
    target.spec.environment = "stg";
    return target;  // leases: 1h default, 8h max, 5m notice
}

ObservedLease make_lease(std::string name, std::chrono::seconds created_after = 0s,
                         std::optional<std::chrono::milliseconds> duration = std::nullopt) {
    ObservedLease observed;
    auto& lease = observed.lease;
    lease.metadata.name = std::move(name);
    lease.metadata.generation = 1;
    lease.metadata.creation_timestamp = t0 + created_after;
    lease.spec.target = "stg";
    lease.spec.holder = "holder-of-" + lease.metadata.name;
    lease.spec.duration = duration;
    return observed;
}

const ObservedLease& find(const std::vector<ObservedLease>& leases, const std::string& name) {
    auto it = std::find_if(leases.begin(), leases.end(),
                           [&](const ObservedLease& l) { return l.lease.metadata.name == name; });
    REQUIRE(it != leases.end());
    return *it;
}

ObservedLease& find(std::vector<ObservedLease>& leases, const std::string& name) {
    return const_cast<ObservedLease&>(find(std::as_const(leases), name));
}

const LeaseStatusChange* change_of(const LeasePlan& plan, const std::string& name) {
    for (const auto& change : plan.changes)
        if (change.lease == name) return &change;
    return nullptr;
}

std::vector<std::string> event_reasons(const LeasePlan& plan) {
    std::vector<std::string> out;
    for (const auto& change : plan.changes)
        for (const auto& event : change.events) out.push_back(change.lease + ":" + event.reason);
    return out;
}

/// The API server's view after the plan was written: statuses replaced, deletions gone.
void write_back(std::vector<ObservedLease>& leases, const LeasePlan& plan) {
    for (const auto& change : plan.changes) {
        auto& observed = find(leases, change.lease);
        observed.lease.status = change.status;
        observed.observed_generation = change.observed_generation;
    }
    std::erase_if(leases, [&](const ObservedLease& l) {
        return std::find(plan.deletions.begin(), plan.deletions.end(), l.lease.metadata.name) != plan.deletions.end();
    });
}

/// Plans and applies; then checks that planning again changes nothing.
LeasePlan step(std::vector<ObservedLease>& leases, const DeploymentTarget* target, WallTime now,
               const std::vector<std::string>& assigned = {}, LeasePlannerOptions options = {}) {
    LeasePlan plan = plan_target_leases(target, leases, assigned, now, options);
    write_back(leases, plan);
    const LeasePlan again = plan_target_leases(target, leases, assigned, now, options);
    INFO("planning the written result again must change nothing");
    CHECK(again.changes.empty());
    CHECK(again.deletions.empty());
    CHECK(again.next_wakeup == plan.next_wakeup);
    return plan;
}

const api::v1alpha1::Condition& condition(const ObservedLease& observed, const char* type) {
    const auto* found = api::v1alpha1::find_condition(observed.lease.status.conditions, type);
    REQUIRE(found != nullptr);
    return *found;
}

} // namespace

TEST_CASE("leases are granted FIFO by creation time, then name, the rest are numbered", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("c", 2s), make_lease("b", 1s), make_lease("a", 1s)};

    const LeasePlan plan = step(leases, &target, t0 + 10s);

    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Active);
    CHECK(find(leases, "a").lease.status.queue_position == 0);
    CHECK(find(leases, "a").lease.status.acquired_at == t0 + 10s);
    CHECK(find(leases, "a").lease.status.expires_at == t0 + 10s + 1h);
    CHECK(find(leases, "b").lease.status.phase == LeasePhase::Pending);
    CHECK(find(leases, "b").lease.status.queue_position == 1);
    CHECK(find(leases, "c").lease.status.queue_position == 2);
    CHECK(event_reasons(plan) == std::vector<std::string>{"a:LeaseGranted"});
    REQUIRE(change_of(plan, "a") != nullptr);
    CHECK(change_of(plan, "a")->transition == LeaseTransition::Granted);
    CHECK(plan.next_wakeup == t0 + 10s + 1h - 5min);
}

TEST_CASE("a lease without creationTimestamp queues last", "[lease_planner]") {
    const auto target = make_target();
    auto odd = make_lease("a");
    odd.lease.metadata.creation_timestamp.reset();
    std::vector<ObservedLease> leases = {odd, make_lease("z", 5s)};
    step(leases, &target, t0 + 10s);
    CHECK(find(leases, "z").lease.status.phase == LeasePhase::Active);
    CHECK(find(leases, "a").lease.status.queue_position == 1);
}

TEST_CASE("acquiredAt and expiresAt are whole seconds, rounded up", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 1500ms)};
    step(leases, &target, t0 + 10s + 700ms);
    CHECK(find(leases, "a").lease.status.acquired_at == t0 + 11s);
    CHECK(find(leases, "a").lease.status.expires_at == t0 + 13s);
}

TEST_CASE("a lease granted between whole seconds never lasts less than its duration", "[lease_planner]") {
    // Issue 15, item 9: acquiredAt was rounded down, so expiresAt = acquiredAt +
    // duration fell up to a second before grant time + duration.
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 1h), make_lease("b", 1s)};
    const WallTime granted = t0 + 10s + 700ms;
    step(leases, &target, granted);
    auto& a = find(leases, "a");
    REQUIRE(a.lease.status.phase == LeasePhase::Active);
    REQUIRE(a.lease.status.expires_at);
    CHECK(*a.lease.status.expires_at >= granted + 1h);
    CHECK(*a.lease.status.expires_at - granted < 1h + 1s);
    CHECK(*a.lease.status.expires_at - *a.lease.status.acquired_at == 1h);  // what the user reads

    // Still held a hair before grant time + duration, also after a renewal recomputed expiresAt.
    a.lease.spec.duration = 2h;
    a.lease.metadata.generation = 2;
    step(leases, &target, granted + 30min);
    CHECK(*a.lease.status.expires_at >= granted + 2h);
    step(leases, &target, granted + 2h - 1ms);
    CHECK(a.lease.status.phase == LeasePhase::Active);
    CHECK(find(leases, "b").lease.status.phase == LeasePhase::Pending);
}

TEST_CASE("a duration above maxDuration is clamped and says so", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("long", 0s, 10h), make_lease("short", 1s, 2h)};
    step(leases, &target, t0);
    const auto& long_lease = find(leases, "long");
    CHECK(long_lease.lease.status.expires_at == t0 + 8h);
    const auto& clamped = condition(long_lease, lease_conditions::duration_clamped);
    CHECK(clamped.status == "True");
    CHECK(clamped.reason == "ClampedToMaxDuration");
    CHECK(clamped.message.find("10h") != std::string::npos);
    CHECK(clamped.message.find("8h") != std::string::npos);
    CHECK(condition(find(leases, "short"), lease_conditions::duration_clamped).status == "False");
}

TEST_CASE("raising the duration while Active renews from acquiredAt, clamped", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 1h)};
    step(leases, &target, t0);
    auto& a = find(leases, "a");

    a.lease.spec.duration = 3h;
    a.lease.metadata.generation = 2;
    const LeasePlan renewed = step(leases, &target, t0 + 30min);
    CHECK(a.lease.status.phase == LeasePhase::Active);
    CHECK(a.lease.status.acquired_at == t0);
    CHECK(a.lease.status.expires_at == t0 + 3h);
    CHECK(a.observed_generation == 2);
    CHECK(condition(a, lease_conditions::duration_clamped).observed_generation == 2);
    CHECK(event_reasons(renewed).empty());

    a.lease.spec.duration = 20h;
    a.lease.metadata.generation = 3;
    step(leases, &target, t0 + 40min);
    CHECK(a.lease.status.expires_at == t0 + 8h);
    CHECK(condition(a, lease_conditions::duration_clamped).status == "True");
}

TEST_CASE("an Active lease expires exactly at expiresAt and the next one is granted", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 1h), make_lease("b", 1s)};
    step(leases, &target, t0);

    const LeasePlan before = step(leases, &target, t0 + 1h - 1ms);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Active);
    CHECK(before.next_wakeup == t0 + 1h);

    const LeasePlan plan = step(leases, &target, t0 + 1h);
    const auto& a = find(leases, "a");
    CHECK(a.lease.status.phase == LeasePhase::Expired);
    CHECK(a.lease.status.released_at == t0 + 1h);
    CHECK(a.lease.status.expires_at == t0 + 1h);
    CHECK(a.lease.status.queue_position == 0);
    // Finished: it keeps only its health; the open lease's details are dropped.
    std::vector<std::string> types;
    for (const auto& c : a.lease.status.conditions) types.push_back(c.type);
    CHECK(types == std::vector<std::string>{"Ready", "Reconciling", "Stalled"});
    CHECK(condition(a, "Ready").status == "True");
    CHECK(condition(a, "Ready").reason == "Expired");
    CHECK(condition(a, "Reconciling").status == "False");
    const auto& b = find(leases, "b");
    CHECK(b.lease.status.phase == LeasePhase::Active);
    CHECK(b.lease.status.acquired_at == t0 + 1h);
    REQUIRE(plan.changes.size() == 2);
    CHECK(plan.changes[0].lease == "a");  // the expiry is written before the grant
    CHECK(plan.changes[0].transition == LeaseTransition::Expired);
    CHECK(plan.changes[1].transition == LeaseTransition::Granted);
    CHECK(event_reasons(plan) == std::vector<std::string>{"a:LeaseExpired", "b:LeaseGranted"});
}

TEST_CASE("a renewal seen after expiresAt passed does not revive the lease", "[lease_planner]") {
    // The operator was stopped (or failing over) while the lease ran out; the
    // holder raised the duration only after status.expiresAt.
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 2s), make_lease("b", 1s)};
    step(leases, &target, t0);
    auto& a = find(leases, "a");
    REQUIRE(a.lease.status.expires_at == t0 + 2s);

    a.lease.spec.duration = 1h;
    a.lease.metadata.generation = 2;
    const LeasePlan plan = step(leases, &target, t0 + 10s);
    CHECK(a.lease.status.phase == LeasePhase::Expired);
    CHECK(a.lease.status.expires_at == t0 + 2s);  // the deadline that passed, not one recomputed
    CHECK(find(leases, "b").lease.status.phase == LeasePhase::Active);
    CHECK(event_reasons(plan) == std::vector<std::string>{"a:LeaseExpired", "b:LeaseGranted"});

    SECTION("a renewal seen before expiresAt still renews") {
        std::vector<ObservedLease> on_time = {make_lease("c", 0s, 2s)};
        step(on_time, &target, t0);
        on_time[0].lease.spec.duration = 1h;
        step(on_time, &target, t0 + 1s);
        CHECK(on_time[0].lease.status.phase == LeasePhase::Active);
        CHECK(on_time[0].lease.status.expires_at == t0 + 1h);
    }
}

TEST_CASE("an Expired lease is never renewed", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 1h)};
    step(leases, &target, t0);
    step(leases, &target, t0 + 2h);
    auto& a = find(leases, "a");
    REQUIRE(a.lease.status.phase == LeasePhase::Expired);

    a.lease.spec.duration = 5h;
    a.lease.metadata.generation = 2;
    const LeasePlan plan = plan_target_leases(&target, leases, {}, t0 + 2h + 1s);
    // Only observedGeneration and the conditions' generation move: a GitOps
    // tool that edited a finished lease sees it done (kstatus Current).
    REQUIRE(plan.changes.size() == 1);
    const LeaseStatusChange& change = plan.changes[0];
    CHECK(change.transition == LeaseTransition::None);
    CHECK(change.events.empty());
    CHECK(change.observed_generation == 2);
    CHECK(change.status.phase == LeasePhase::Expired);
    CHECK(change.status.expires_at == a.lease.status.expires_at);
    CHECK(change.status.released_at == a.lease.status.released_at);
    for (const auto& condition : change.status.conditions) CHECK(condition.observed_generation == 2);
    write_back(leases, plan);
    CHECK(plan_target_leases(&target, leases, {}, t0 + 2h + 2s).changes.empty());
}

TEST_CASE("release: true gives the target back, and leaves the queue when Pending", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a"), make_lease("b", 1s), make_lease("c", 2s)};
    step(leases, &target, t0);

    find(leases, "b").lease.spec.release = true;
    const LeasePlan left = step(leases, &target, t0 + 1min);
    CHECK(find(leases, "b").lease.status.phase == LeasePhase::Released);
    CHECK(find(leases, "b").lease.status.queue_position == 0);
    CHECK(find(leases, "c").lease.status.queue_position == 1);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Active);
    CHECK(event_reasons(left) == std::vector<std::string>{"b:LeaseReleased"});

    find(leases, "a").lease.spec.release = true;
    const LeasePlan released = step(leases, &target, t0 + 2min);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Released);
    CHECK(find(leases, "a").lease.status.released_at == t0 + 2min);
    CHECK(find(leases, "c").lease.status.phase == LeasePhase::Active);
    CHECK(event_reasons(released) == std::vector<std::string>{"a:LeaseReleased", "c:LeaseGranted"});
}

TEST_CASE("release wins over a deadline passed at the same time", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 1h)};
    step(leases, &target, t0);
    find(leases, "a").lease.spec.release = true;
    step(leases, &target, t0 + 2h);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Released);
}

TEST_CASE("a lease being deleted is Released and the next one granted", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a"), make_lease("b", 1s)};
    step(leases, &target, t0);
    find(leases, "a").lease.metadata.deletion_timestamp = t0 + 5min;
    const LeasePlan plan = step(leases, &target, t0 + 5min);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Released);
    CHECK(find(leases, "b").lease.status.phase == LeasePhase::Active);
    CHECK(plan.deletions.empty());  // already going away

    SECTION("a lease gone from the cache just leaves") {
        std::vector<ObservedLease> rest = {make_lease("c", 2s)};
        step(rest, &target, t0 + 6min);
        CHECK(find(rest, "c").lease.status.phase == LeasePhase::Active);
    }
}

TEST_CASE("LeaseExpiring is recorded once at expiresAt - notifyBefore, again after a renewal", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 1h)};
    step(leases, &target, t0);
    auto& a = find(leases, "a");
    CHECK(condition(a, lease_conditions::expiring_soon).status == "False");

    const LeasePlan early = step(leases, &target, t0 + 55min - 1s);
    CHECK(event_reasons(early).empty());
    CHECK(early.next_wakeup == t0 + 55min);

    const LeasePlan notice = step(leases, &target, t0 + 55min);
    REQUIRE(event_reasons(notice) == std::vector<std::string>{"a:LeaseExpiring"});
    CHECK(notice.changes[0].events[0].type == kube::EventType::Warning);
    CHECK(condition(a, lease_conditions::expiring_soon).status == "True");
    CHECK(condition(a, lease_conditions::expiring_soon).last_transition_time == t0 + 55min);
    CHECK(notice.next_wakeup == t0 + 1h);

    const LeasePlan later = step(leases, &target, t0 + 58min);
    CHECK(later.changes.empty());

    a.lease.spec.duration = 2h;
    a.lease.metadata.generation = 2;
    step(leases, &target, t0 + 59min);
    CHECK(condition(a, lease_conditions::expiring_soon).status == "False");
    const LeasePlan second = step(leases, &target, t0 + 1h + 55min);
    CHECK(event_reasons(second) == std::vector<std::string>{"a:LeaseExpiring"});
}

TEST_CASE("a lease shorter than notifyBefore is warned at once", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 2min)};
    const LeasePlan plan = step(leases, &target, t0);
    CHECK(event_reasons(plan) == std::vector<std::string>{"a:LeaseGranted", "a:LeaseExpiring"});
    CHECK(plan.next_wakeup == t0 + 2min);
}

TEST_CASE("finished leases are deleted after retention from releasedAt", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 1h)};
    step(leases, &target, t0);
    step(leases, &target, t0 + 1h + 3s);
    REQUIRE(find(leases, "a").lease.status.released_at == t0 + 1h + 3s);

    const LeasePlan kept = step(leases, &target, t0 + 1h + 3s + 24h - 1ms);
    CHECK(kept.deletions.empty());
    CHECK(kept.next_wakeup == t0 + 1h + 3s + 24h);
    const LeasePlan gone = plan_target_leases(&target, leases, {}, t0 + 1h + 3s + 24h);
    CHECK(gone.deletions == std::vector<std::string>{"a"});
    CHECK(gone.changes.empty());

    SECTION("the retention is an option") {
        const LeasePlan short_retention = plan_target_leases(&target, leases, {}, t0 + 1h + 3s + 10min,
                                                             LeasePlannerOptions{10min});
        CHECK(short_retention.deletions == std::vector<std::string>{"a"});
    }
    SECTION("a finished lease without releasedAt gets one, starting its retention") {
        find(leases, "a").lease.status.released_at.reset();
        const LeasePlan fixed = step(leases, &target, t0 + 3h);
        CHECK(find(leases, "a").lease.status.released_at == t0 + 3h);
        CHECK(fixed.deletions.empty());
        CHECK(fixed.next_wakeup == t0 + 27h);
    }
}

TEST_CASE("the earliest deadline wins the wakeup", "[lease_planner]") {
    const auto target = make_target();
    auto old = make_lease("old");
    old.lease.status.phase = LeasePhase::Released;
    old.lease.status.released_at = t0 - 24h + 10min;
    std::vector<ObservedLease> leases = {old, make_lease("a", 1s)};
    const LeasePlan plan = step(leases, &target, t0);
    CHECK(plan.next_wakeup == t0 + 10min);
}

TEST_CASE("no leases, no wakeup", "[lease_planner]") {
    const auto target = make_target();
    const LeasePlan plan = plan_target_leases(&target, {}, {}, t0);
    CHECK(plan.empty());
    CHECK(!plan.next_wakeup);
}

TEST_CASE("a missing target keeps every lease Pending with TargetNotFound", "[lease_planner]") {
    std::vector<ObservedLease> leases = {make_lease("a"), make_lease("b", 1s)};
    const LeasePlan plan = step(leases, nullptr, t0);
    CHECK(event_reasons(plan).empty());
    CHECK(!plan.next_wakeup);
    for (const char* name : {"a", "b"}) {
        const auto& lease = find(leases, name);
        CHECK(lease.lease.status.phase == LeasePhase::Pending);
        const auto& missing = condition(lease, lease_conditions::target_not_found);
        CHECK(missing.status == "True");
        CHECK(missing.reason == "TargetNotFound");
        CHECK(missing.message.find("stg") != std::string::npos);
        CHECK(condition(lease, lease_conditions::overrides_valid).status == "Unknown");
    }
    CHECK(find(leases, "b").lease.status.queue_position == 2);

    const auto target = make_target();
    step(leases, &target, t0 + 1h);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Active);
    const auto& found = condition(find(leases, "a"), lease_conditions::target_not_found);
    CHECK(found.status == "False");
    CHECK(found.last_transition_time == t0 + 1h);
}

TEST_CASE("an Active lease outlives its target's deletion until expiresAt", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a", 0s, 1h), make_lease("b", 1s)};
    step(leases, &target, t0);
    step(leases, nullptr, t0 + 10min);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Active);
    CHECK(find(leases, "a").lease.status.expires_at == t0 + 1h);
    const LeasePlan plan = step(leases, nullptr, t0 + 1h);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Expired);
    CHECK(find(leases, "b").lease.status.phase == LeasePhase::Pending);  // nothing granted on a missing target
    CHECK(event_reasons(plan) == std::vector<std::string>{"a:LeaseExpired"});
}

TEST_CASE("overrides naming unassigned workloads are reported", "[lease_planner]") {
    const auto target = make_target();
    auto lease = make_lease("a");
    lease.lease.spec.overrides = {{"git-basics", "pr-1", std::nullopt}, {"ghost", "pr-1", std::nullopt},
                                  {"phantom", std::nullopt, "pr-2"}};
    std::vector<ObservedLease> leases = {lease};
    step(leases, &target, t0, {"git-basics", "kubernetes-101"});
    const auto& invalid = condition(find(leases, "a"), lease_conditions::overrides_valid);
    CHECK(invalid.status == "False");
    CHECK(invalid.reason == "WorkloadNotAssigned");
    CHECK(invalid.message.find("ghost, phantom") != std::string::npos);
    CHECK(invalid.message.find("git-basics") == std::string::npos);

    step(leases, &target, t0 + 1s, {"git-basics", "ghost", "phantom"});
    CHECK(condition(find(leases, "a"), lease_conditions::overrides_valid).status == "True");
}

TEST_CASE("two Active leases: the first acquired keeps the target, the other is requeued", "[lease_planner]") {
    const auto target = make_target();
    auto first = make_lease("z-first", 5s);
    first.lease.status.phase = LeasePhase::Active;
    first.lease.status.acquired_at = t0 + 10s;
    first.lease.status.expires_at = t0 + 10s + 1h;
    auto second = make_lease("a-second", 0s);
    second.lease.status.phase = LeasePhase::Active;
    second.lease.status.acquired_at = t0 + 20s;
    second.lease.status.expires_at = t0 + 20s + 1h;
    std::vector<ObservedLease> leases = {second, first, make_lease("c", 9s)};

    const LeasePlan plan = step(leases, &target, t0 + 30s);
    CHECK(find(leases, "z-first").lease.status.phase == LeasePhase::Active);
    const auto& requeued = find(leases, "a-second").lease.status;
    CHECK(requeued.phase == LeasePhase::Pending);
    CHECK(requeued.queue_position == 1);  // its FIFO place, ahead of c
    CHECK(!requeued.acquired_at);
    CHECK(!requeued.expires_at);
    CHECK(find(leases, "c").lease.status.queue_position == 2);
    REQUIRE(change_of(plan, "a-second") != nullptr);
    CHECK(change_of(plan, "a-second")->transition == LeaseTransition::Requeued);
    CHECK(change_of(plan, "a-second")->events.at(0).type == kube::EventType::Warning);
    CHECK(change_of(plan, "a-second")->events.at(0).note.find("z-first") != std::string::npos);
}

TEST_CASE("conditions carry the generation and keep lastTransitionTime unless status flips", "[lease_planner]") {
    const auto target = make_target();
    auto lease = make_lease("a");
    lease.lease.spec.overrides = {{"ghost", "pr-1", std::nullopt}};
    std::vector<ObservedLease> leases = {lease};
    step(leases, &target, t0);
    auto& a = find(leases, "a");
    for (const auto& c : a.lease.status.conditions) {
        INFO(c.type);
        CHECK(!c.type.empty());
        CHECK(!c.status.empty());
        CHECK(!c.reason.empty());
        CHECK(!c.message.empty());
        CHECK(c.observed_generation == 1);
        CHECK(c.last_transition_time == t0);
    }
    CHECK(a.lease.status.conditions.size() == 8);  // with Serving (Unknown: not observed), Ready, Reconciling, Stalled

    a.lease.spec.overrides = {{"ghost", "pr-1", std::nullopt}, {"phantom", "pr-1", std::nullopt}};
    a.lease.metadata.generation = 2;
    step(leases, &target, t0 + 1min);
    const auto& overrides = condition(a, lease_conditions::overrides_valid);
    CHECK(overrides.message.find("phantom") != std::string::npos);
    CHECK(overrides.observed_generation == 2);
    CHECK(overrides.last_transition_time == t0);
}

TEST_CASE("a generation bump alone writes observedGeneration once", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a")};
    step(leases, &target, t0);
    find(leases, "a").lease.metadata.generation = 2;
    find(leases, "a").lease.spec.reason = "PR 42";
    const LeasePlan plan = step(leases, &target, t0 + 1s);
    REQUIRE(plan.changes.size() == 1);
    CHECK(plan.changes[0].observed_generation == 2);
    CHECK(plan.changes[0].transition == LeaseTransition::None);
}

TEST_CASE("a whole day of a queue plans quietly between deadlines", "[lease_planner]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases;
    for (int i = 0; i < 4; ++i) leases.push_back(make_lease("l" + std::to_string(i), std::chrono::seconds{i}, 2h));
    WallTime now = t0;
    int grants = 0, expiries = 0, deletions = 0, steps = 0;
    while (!leases.empty() && steps++ < 100) {
        const LeasePlan plan = step(leases, &target, now);
        for (const auto& change : plan.changes) {
            grants += change.transition == LeaseTransition::Granted;
            expiries += change.transition == LeaseTransition::Expired;
        }
        deletions += static_cast<int>(plan.deletions.size());
        if (leases.empty()) break;
        const auto active = std::count_if(leases.begin(), leases.end(), [](const ObservedLease& l) {
            return l.lease.status.phase == LeasePhase::Active;
        });
        CHECK(active <= 1);
        REQUIRE(plan.next_wakeup);
        REQUIRE(*plan.next_wakeup > now);
        now = *plan.next_wakeup;
    }
    CHECK(grants == 4);
    CHECK(expiries == 4);
    CHECK(deletions == 4);
    CHECK(now == t0 + 3 * 2h + 2h + 24h);  // the last expiry plus retention
}

TEST_CASE("the Active lease carries Serving as observed, a finished one no longer does",
          "[lease_planner][serving]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a"), make_lease("b", 1s)};
    const LeaseServing rolling{
        {"a", {false, "RollingOut", "Still rolling out: e2e-api-files: 0 of 1 updated replicas available"}},
                               {"b", {false, "RollingOut", "Still rolling out: e2e-api-files: runs x, not y"}}};
    LeasePlan plan = plan_target_leases(&target, leases, {}, t0, {}, rolling);
    write_back(leases, plan);
    const auto& serving = condition(find(leases, "a"), lease_conditions::serving);
    CHECK(serving.status == "False");
    CHECK(serving.reason == "RollingOut");
    CHECK(serving.message.find("e2e-api-files: 0 of 1 updated replicas available") != std::string::npos);
    CHECK(api::v1alpha1::find_condition(find(leases, "b").lease.status.conditions, lease_conditions::serving) ==
          nullptr);  // waiting: absent

    const LeaseServing served{{"a", {true, "Serving", "Every workload runs the lease's images"}},
                              {"b", rolling.at("b")}};
    plan = plan_target_leases(&target, leases, {}, t0 + 1min, {}, served);
    write_back(leases, plan);
    CHECK(condition(find(leases, "a"), lease_conditions::serving).status == "True");
    CHECK(condition(find(leases, "a"), lease_conditions::serving).last_transition_time == t0 + 1min);

    // Handover: a released (finished: Serving goes with its other details), b granted but
    // not serving until its images replaced a's.
    find(leases, "a").lease.spec.release = true;
    find(leases, "a").lease.metadata.generation = 2;
    plan = plan_target_leases(&target, leases, {}, t0 + 2min, {}, served);
    write_back(leases, plan);
    CHECK(api::v1alpha1::find_condition(find(leases, "a").lease.status.conditions, lease_conditions::serving) ==
          nullptr);
    CHECK(condition(find(leases, "a"), "Ready").reason == "Released");
    CHECK(find(leases, "a").lease.status.conditions.size() == 3);
    CHECK(find(leases, "b").lease.status.phase == LeasePhase::Active);
    CHECK(condition(find(leases, "b"), lease_conditions::serving).status == "False");
    CHECK(condition(find(leases, "b"), lease_conditions::serving).message.find("runs x, not y") != std::string::npos);
}

TEST_CASE("a paused target grants nothing, resuming grants in order", "[lease_planner][paused]") {
    auto target = make_target();
    target.spec.paused = true;
    std::vector<ObservedLease> leases = {make_lease("b", 1s), make_lease("a")};
    const LeasePlan paused = step(leases, &target, t0);
    CHECK(event_reasons(paused).empty());
    for (const char* name : {"a", "b"}) {
        INFO(name);
        CHECK(find(leases, name).lease.status.phase == LeasePhase::Pending);
        const auto& condition_ = condition(find(leases, name), lease_conditions::paused);
        CHECK(condition_.status == "True");
        CHECK(condition_.reason == "TargetPaused");
        CHECK(condition_.message == "Target stg is paused; leases are granted in order once it resumes");
    }
    CHECK(find(leases, "a").lease.status.queue_position == 1);
    CHECK(find(leases, "b").lease.status.queue_position == 2);

    target.spec.paused = false;
    const LeasePlan resumed = step(leases, &target, t0 + 1min);
    CHECK(event_reasons(resumed) == std::vector<std::string>{"a:LeaseGranted"});
    CHECK(condition(find(leases, "a"), lease_conditions::paused).status == "False");
    CHECK(condition(find(leases, "b"), lease_conditions::paused).status == "False");
    CHECK(find(leases, "b").lease.status.queue_position == 1);

    SECTION("pausing keeps the holder; the queue waits") {
        target.spec.paused = true;
        step(leases, &target, t0 + 2min);
        CHECK(find(leases, "a").lease.status.phase == LeasePhase::Active);
        CHECK(condition(find(leases, "b"), lease_conditions::paused).status == "True");
    }
}

TEST_CASE("a lease that left the cache was released: one LeaseReleased, named as on the way out",
          "[lease_planner][departure]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a"), make_lease("b", 1s)};
    step(leases, &target, t0);
    auto& a = find(leases, "a");
    a.lease.metadata.uid = "uid-a";
    const auto events = departure_events(a.lease);
    REQUIRE(events.size() == 1);
    CHECK(events[0].reason == "LeaseReleased");
    CHECK(events[0].note == "Deleted while active; target stg is free");
    CHECK(events[0].name == lease_event_name(a.lease, "LeaseReleased"));
    CHECK(departure_events(find(leases, "b").lease).at(0).note ==
          "Deleted before it was granted; left the queue of target stg");
    a.lease.status.phase = LeasePhase::Expired;
    CHECK(departure_events(a.lease).empty());
}

namespace {
/// kstatus of a lease as written back, with the True health condition: "Current Ready/Serving".
std::string health_of(const ObservedLease& observed) {
    return testing::kstatus(observed.lease.metadata.generation, observed.observed_generation,
                            observed.lease.status.conditions) +
           " " + testing::health_reason(observed.lease.status.conditions);
}
} // namespace

TEST_CASE("lease health per phase: queued and rolling out are InProgress, serving and finished are Current",
          "[lease_planner][health]") {
    auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a"), make_lease("b", 1s), make_lease("c", 2s)};
    const LeaseServing rolling{{"a", {false, "RollingOut", "Still rolling out: x-files: not created yet"}}};
    write_back(leases, plan_target_leases(&target, leases, {}, t0, {}, rolling));
    CHECK(health_of(find(leases, "a")) == "InProgress Reconciling/RollingOut");
    CHECK(health_of(find(leases, "b")) == "InProgress Reconciling/Queued");
    CHECK(condition(find(leases, "b"), "Reconciling").message == "Position 1 in the queue of target stg");

    SECTION("Active without an observation of what runs: still rolling out") {
        write_back(leases, plan_target_leases(&target, leases, {}, t0 + 1s));
        CHECK(health_of(find(leases, "a")) == "InProgress Reconciling/RollingOut");
    }
    SECTION("Active and Serving: Ready") {
        const LeaseServing served{{"a", {true, "Serving", "Every workload runs the lease's images"}}};
        write_back(leases, plan_target_leases(&target, leases, {}, t0 + 1s, {}, served));
        CHECK(health_of(find(leases, "a")) == "Current Ready/Serving");
        CHECK(condition(find(leases, "a"), "Ready").message == "Every workload runs the lease's images");
    }
    SECTION("waiting on a paused target") {
        target.spec.paused = true;
        write_back(leases, plan_target_leases(&target, leases, {}, t0 + 1s, {}, rolling));
        CHECK(health_of(find(leases, "b")) == "InProgress Reconciling/TargetPaused");
        CHECK(health_of(find(leases, "a")) == "InProgress Reconciling/RollingOut");  // runs on
    }
    SECTION("expired and released are finished: Current, never Reconciling nor Stalled") {
        find(leases, "b").lease.spec.release = true;
        find(leases, "b").lease.metadata.generation = 2;
        write_back(leases, plan_target_leases(&target, leases, {}, t0 + 1h, {}, rolling));
        CHECK(find(leases, "a").lease.status.phase == LeasePhase::Expired);
        CHECK(health_of(find(leases, "a")) == "Current Ready/Expired");
        CHECK(find(leases, "b").lease.status.phase == LeasePhase::Released);
        CHECK(health_of(find(leases, "b")) == "Current Ready/Released");
        CHECK(condition(find(leases, "b"), "Stalled").status == "False");
        CHECK(condition(find(leases, "b"), "Reconciling").status == "False");
        // Finished on a target that is gone later: still done, not Stalled.
        write_back(leases, plan_target_leases(nullptr, leases, {}, t0 + 1h + 1s));
        CHECK(health_of(find(leases, "a")) == "Current Ready/Expired");
    }
    SECTION("a missing target: Stalled") {
        write_back(leases, plan_target_leases(nullptr, leases, {}, t0 + 1s));
        CHECK(health_of(find(leases, "b")) == "Failed Stalled/TargetNotFound");
        CHECK(health_of(find(leases, "a")) == "Failed Stalled/TargetNotFound");
    }
}

TEST_CASE("a lease with an invalid spec is Stalled and never granted, the queue passes it",
          "[lease_planner][health]") {
    const auto target = make_target();
    std::vector<ObservedLease> leases = {make_lease("a"), make_lease("b", 1s)};
    find(leases, "a").problem = SpecProblem{"InvalidSpec", "spec.overrides[0]: at least one of workshop.tag or files.tag must be set"};
    step(leases, &target, t0);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Pending);
    CHECK(health_of(find(leases, "a")) == "Failed Stalled/InvalidSpec");
    CHECK(condition(find(leases, "a"), "Stalled").message.find("spec.overrides[0]") != std::string::npos);
    CHECK(find(leases, "b").lease.status.phase == LeasePhase::Active);

    find(leases, "a").problem.reset();  // fixed: granted once b is done
    step(leases, &target, t0 + 1h);
    CHECK(find(leases, "a").lease.status.phase == LeasePhase::Active);
}

TEST_CASE("a lease kept in git is granted once: recreated after retention it is AlreadyServed, and kept",
          "[lease_planner][already_served]") {
    const auto target = make_target();
    const LeasePlannerOptions options{24h};
    std::vector<ObservedLease> leases = {make_lease("pr-1", 0s, 1h)};
    step(leases, &target, t0, {}, options);
    step(leases, &target, t0 + 1h, {}, options);
    REQUIRE(find(leases, "pr-1").lease.status.phase == LeasePhase::Expired);
    const LeasePlan retention = plan_target_leases(&target, leases, {}, t0 + 25h, options);
    CHECK(retention.deletions == std::vector<std::string>{"pr-1"});

    // The GitOps tool creates it again: a new object, never planned, under the served name.
    std::vector<ObservedLease> again = {make_lease("pr-1", 25h + 1s, 1h)};
    again[0].lease.metadata.uid = "uid-second";
    const AlreadyServed served{"pr-1"};
    const LeasePlan plan = plan_target_leases(&target, again, {}, t0 + 25h + 2s, options, {}, served);
    REQUIRE(plan.changes.size() == 1);
    CHECK(plan.changes[0].status.phase == LeasePhase::Expired);
    CHECK_FALSE(plan.changes[0].status.acquired_at);
    CHECK(event_reasons(plan) == std::vector<std::string>{"pr-1:AlreadyServed"});
    CHECK(plan.changes[0].events[0].type == kube::EventType::Warning);
    CHECK(plan.changes[0].events[0].note.find("remove it from git") != std::string::npos);
    write_back(again, plan);
    CHECK(health_of(again[0]) == "Current Ready/AlreadyServed");
    CHECK(is_already_served(again[0].lease.status));

    // Never deleted, never granted, whatever the time and whether the record still names it.
    for (const auto later : {t0 + 26h, t0 + 100h}) {
        const LeasePlan quiet = plan_target_leases(&target, again, {}, later, options);
        CHECK(quiet.changes.empty());
        CHECK(quiet.deletions.empty());
        CHECK_FALSE(quiet.next_wakeup);
    }

    SECTION("a lease already planned under that name is left alone") {
        std::vector<ObservedLease> pending = {make_lease("pr-1", 25h + 1s, 1h)};
        pending[0].lease.status.phase = LeasePhase::Pending;
        const LeasePlan granted = plan_target_leases(&target, pending, {}, t0 + 25h + 2s, options, {}, served);
        CHECK(event_reasons(granted) == std::vector<std::string>{"pr-1:LeaseGranted"});
    }
}

TEST_CASE("a lease kept in git with release: true is AlreadyServed after one recreate, not Released again",
          "[lease_planner][already_served]") {
    const auto target = make_target();
    const LeasePlannerOptions options{24h};
    std::vector<ObservedLease> leases = {make_lease("pr-2", 0s, 1h)};
    step(leases, &target, t0, {}, options);
    find(leases, "pr-2").lease.spec.release = true;
    step(leases, &target, t0 + 10min, {}, options);
    REQUIRE(find(leases, "pr-2").lease.status.phase == LeasePhase::Released);
    CHECK(plan_target_leases(&target, leases, {}, t0 + 25h, options).deletions == std::vector<std::string>{"pr-2"});

    // Restored from git, release: true included.
    std::vector<ObservedLease> again = {make_lease("pr-2", 25h + 1s, 1h)};
    again[0].lease.spec.release = true;
    again[0].lease.metadata.uid = "uid-second";
    const AlreadyServed served{"pr-2"};
    const LeasePlan plan = plan_target_leases(&target, again, {}, t0 + 25h + 2s, options, {}, served);
    REQUIRE(plan.changes.size() == 1);
    CHECK(plan.changes[0].status.phase == LeasePhase::Expired);
    CHECK_FALSE(plan.changes[0].status.released_at);
    CHECK(event_reasons(plan) == std::vector<std::string>{"pr-2:AlreadyServed"});
    write_back(again, plan);
    CHECK(is_already_served(again[0].lease.status));

    // Kept, whatever the time: the GitOps tool finds it in place and the loop ends.
    for (const auto later : {t0 + 26h, t0 + 50h, t0 + 100h}) {
        const LeasePlan quiet = plan_target_leases(&target, again, {}, later, options, {}, served);
        CHECK(quiet.changes.empty());
        CHECK(quiet.deletions.empty());
    }
}
