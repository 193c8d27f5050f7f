#include <catch2/catch.hpp>

#include "controllers/status/conditions.hpp"
#include "controllers/target/deployment_target_status.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet::controllers;
using namespace labfleet::controllers::testing;
using namespace std::chrono_literals;
using labfleet::api::v1alpha1::EnvironmentLease;
using labfleet::api::v1alpha1::LeasePhase;
using labfleet::kube::Json;

namespace {
const labfleet::kube::WallTime t0{std::chrono::seconds{1'700'000'000}};

EnvironmentLease lease(std::string name, std::string target, LeasePhase phase) {
    EnvironmentLease l;
    l.metadata.name = std::move(name);
    l.spec.target = std::move(target);
    l.spec.holder = "holder-of-" + l.metadata.name;
    l.status.phase = phase;
    if (phase == LeasePhase::Active) l.status.expires_at = t0 + 2h;
    return l;
}
} // namespace

TEST_CASE("leases of a target: the Active one and the Pending count", "[controllers][target]") {
    const std::vector<EnvironmentLease> leases = {
        lease("a", "qa-1", LeasePhase::Pending), lease("b", "qa-1", LeasePhase::Active),
        lease("c", "qa-1", LeasePhase::Pending), lease("d", "qa-1", LeasePhase::Expired),
        lease("e", "stg-1", LeasePhase::Pending), lease("f", "qa-1", LeasePhase::Unset)};
    const auto found = leases_of_target(leases, "qa-1");
    REQUIRE(found.active);
    CHECK(found.active->name == "b");
    CHECK(found.active->holder == "holder-of-b");
    CHECK(found.active->expires_at == t0 + 2h);
    CHECK(found.pending == 2);
    CHECK_FALSE(leases_of_target(leases, "stg-1").active);
    CHECK(leases_of_target(leases, "nowhere").pending == 0);
}

TEST_CASE("target status: counts and Ready by namespace and pause", "[controllers][target]") {
    auto t = target("qa-1", "qa");
    t.metadata.generation = 2;
    TargetFacts facts;
    facts.workloads = 3;
    facts.leases.pending = 1;
    facts.namespace_state = NamespaceState::Ready;
    auto status = target_status(t, facts, t0);
    CHECK(status.observed_generation == 2);
    CHECK(status.workloads == 3);
    CHECK(status.pending_leases == 1);
    CHECK_FALSE(status.active_lease);
    const auto* ready = find_condition(status.conditions, "Ready");
    REQUIRE(ready);
    CHECK(ready->status == "True");
    CHECK(ready->reason == "NamespaceReady");

    facts.namespace_state = NamespaceState::Failed;
    facts.namespace_error = "Forbidden (403)";
    ready = find_condition((status = target_status(t, facts, t0)).conditions, "Ready");
    CHECK(ready->status == "False");
    CHECK(ready->reason == "NamespaceFailed");

    t.spec.paused = true;
    ready = find_condition((status = target_status(t, facts, t0)).conditions, "Ready");
    CHECK(ready->status == "True");
    CHECK(ready->reason == "Paused");
}

TEST_CASE("target status is written only when it changed", "[controllers][target]") {
    auto t = target("qa-1", "qa");
    TargetFacts facts;
    facts.namespace_state = NamespaceState::Ready;
    t.status = target_status(t, facts, t0);
    CHECK_FALSE(target_status_changed(t.status, target_status(t, facts, t0 + 1h)));
    facts.leases.active = labfleet::api::v1alpha1::ActiveLeaseRef{"pr-1", "alice", t0 + 1h};
    CHECK(target_status_changed(t.status, target_status(t, facts, t0)));
}

TEST_CASE("the merge patch clears an active lease that went away", "[controllers][target]") {
    labfleet::api::v1alpha1::DeploymentTargetStatus status;
    CHECK(target_status_merge_json(status)["activeLease"].is_null());
    status.active_lease = labfleet::api::v1alpha1::ActiveLeaseRef{"pr-1", "alice", std::nullopt};
    const Json patch = target_status_merge_json(status);
    CHECK(patch["activeLease"]["name"] == "pr-1");
    CHECK(patch["activeLease"]["expiresAt"].is_null());
}

TEST_CASE("an invalid target: Stalled and Ready=False InvalidSpec, the rest kept", "[controllers][target]") {
    labfleet::api::v1alpha1::DeploymentTargetStatus current;
    current.workloads = 4;
    const auto status = invalid_target_status(current, 7, {"InvalidSpec", "spec.channel: not a tag"}, t0);
    CHECK(status.workloads == 4);
    CHECK(status.observed_generation == 7);
    CHECK(find_condition(status.conditions, "Ready")->reason == "InvalidSpec");
    CHECK(find_condition(status.conditions, "Ready")->message == "spec.channel: not a tag");
    CHECK(find_condition(status.conditions, "Stalled")->status == "True");
    CHECK(find_condition(status.conditions, "Stalled")->reason == "InvalidSpec");
    CHECK(find_condition(status.conditions, "Reconciling")->status == "False");
}

TEST_CASE("the namespace created for a target", "[controllers][target]") {
    const Json ns = namespace_object("labs-qa");
    CHECK(ns["kind"] == "Namespace");
    CHECK(ns["metadata"]["name"] == "labs-qa");
}

TEST_CASE("target health per phase (kstatus): namespace pending, ready, paused, refused, invalid",
          "[controllers][target][health]") {
    auto t = target("qa-1", "qa");
    t.metadata.generation = 3;
    TargetFacts facts;
    const auto health = [&](const labfleet::api::v1alpha1::DeploymentTargetStatus& status) {
        return kstatus(t.metadata.generation, status.observed_generation, status.conditions) + " " +
               health_reason(status.conditions);
    };
    CHECK(health(target_status(t, facts, t0)) == "InProgress Reconciling/NamespacePending");
    facts.namespace_state = NamespaceState::Terminating;
    CHECK(health(target_status(t, facts, t0)) == "InProgress Reconciling/NamespaceTerminating");
    facts.namespace_state = NamespaceState::Failed;
    facts.namespace_error = "ServiceUnavailable (503)";
    CHECK(health(target_status(t, facts, t0)) == "InProgress Reconciling/NamespaceFailed");
    facts.namespace_state = NamespaceState::Ready;
    auto status = target_status(t, facts, t0);
    CHECK(health(status) == "Current Ready/NamespaceReady");
    CHECK(find_condition(status.conditions, "Paused")->status == "False");

    t.spec.paused = true;
    facts.namespace_state = NamespaceState::NotEnsured;  // a paused target's namespace is not looked at
    status = target_status(t, facts, t0);
    CHECK(health(status) == "Current Ready/Paused");
    CHECK(find_condition(status.conditions, "Paused")->status == "True");
    CHECK(find_condition(status.conditions, "Reconciling")->status == "False");

    t.spec.paused = false;
    facts.refusal = SpecProblem{"NamespaceConflict", "namespace labs-qa-1 belongs to target stg-1"};
    CHECK(health(target_status(t, facts, t0)) == "Failed Stalled/NamespaceConflict");
    facts.refusal = SpecProblem{"NamespaceDenied", "namespace kube-system is on the deny-list"};
    CHECK(health(target_status(t, facts, t0)) == "Failed Stalled/NamespaceDenied");

    status = invalid_target_status(status, 3, {"InvalidSpec", "spec.namespace: not a DNS label"}, t0);
    CHECK(health(status) == "Failed Stalled/InvalidSpec");
}
