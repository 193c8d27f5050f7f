#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "controllers/status/conditions.hpp"
#include "controllers/target/deployment_target_status.hpp"
#include "controllers/lease/environment_lease_planner.hpp"
#include "controllers/policy/scheduling_policy_status.hpp"
#include "controllers/status/status_bounds.hpp"
#include "controllers/workload/workload_sync.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet;
using namespace labfleet::controllers;
using api::v1alpha1::LeasePhase;
using kube::Json;
using kube::WallTime;
using namespace std::chrono_literals;

namespace {

const WallTime t0{std::chrono::seconds{1'700'000'000}};

/// What every status stays under, in bytes, with 1,000 workloads on one
/// target: half of what one condition message may hold (metav1.Condition's
/// maxLength 32768), a hundredth of the API server's 1.5 MiB request limit.
constexpr std::size_t status_bound = 16 * 1024;

constexpr int fleet_size = 1000;

/// A workload with a long name and long repository names, as fleets have.
std::string workload_name(int i) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "workshop-platform-engineering-%04d", i);
    return buffer;
}

std::vector<api::v1alpha1::Workload> fleet() {
    std::vector<api::v1alpha1::Workload> out;
    for (int i = 0; i < fleet_size; ++i) {
        auto w = testing::workload(workload_name(i));
        w.spec.images.workshop.repository = "platform-engineering/learning-center/workshops/" + w.metadata.name;
        w.spec.images.files.repository = "platform-engineering/learning-center/files/" + w.metadata.name + "-files";
        out.push_back(std::move(w));
    }
    return out;
}

api::v1alpha1::DeploymentTarget stg() {
    auto target = testing::target("stg", "stg");
    target.spec.registry = "registry.example.internal:5000";
    target.spec.channel = "stg";
    return target;
}

Json lease_status_json(const LeaseStatusChange& change) {
    Json status = api::v1alpha1::to_json(change.status);
    status["observedGeneration"] = change.observed_generation;
    return status;
}

std::size_t bytes(const Json& status) { return status.dump().size(); }

} // namespace

TEST_CASE("a condition message is bounded where it is set, cut at a character with a marker",
          "[controllers][status_bounds]") {
    std::vector<Condition> conditions;
    // 60,000 bytes with a two-byte character across the limit.
    std::string long_message = std::string(max_condition_message_bytes - 4, 'x') + "\xc3\xa9" + std::string(60'000, 'y');
    set_condition(conditions, {"Serving", "False", "RollingOut", long_message}, 1, t0);
    REQUIRE(conditions.size() == 1);
    const std::string& message = conditions[0].message;
    CHECK(message.size() <= max_condition_message_bytes);
    CHECK(message.size() > max_condition_message_bytes - 8);
    CHECK(message.ends_with("…"));
    CHECK(message.find("\xc3\xa9") == std::string::npos);  // the character is whole or gone, never half

    // Setting the same again changes nothing: the bounded message compares equal.
    auto again = conditions;
    set_condition(again, {"Serving", "False", "RollingOut", long_message}, 1, t0 + 1min);
    CHECK(same_conditions_ignoring_time(conditions, again));

    const auto merged = merge_conditions({}, {{"Ready", "False", "X", std::string(100'000, 'z')}}, 1, t0);
    CHECK(merged[0].message.size() <= max_condition_message_bytes);

    set_condition(conditions, {"Serving", "True", "Serving", "short"}, 1, t0);
    CHECK(conditions[0].message == "short");
}

TEST_CASE("summarise names the first few and counts the rest, and cap_list keeps the first and counts all",
          "[controllers][status_bounds]") {
    CHECK(summarise({}) == "");
    CHECK(summarise({"api"}) == "api");
    CHECK(summarise({"api", "web"}) == "api, web");
    std::vector<std::string> many{"api", "web"};
    for (int i = 0; i < 248; ++i) many.push_back("w" + std::to_string(i));
    CHECK(summarise(many, ", ", 2) == "api, web and 248 more");
    CHECK(summarise(many, "; ", 1) == "api and 249 more");

    std::vector<int> items{1, 2, 3, 4, 5};
    CHECK(cap_list(items, 3) == 5);
    CHECK(items == std::vector<int>{1, 2, 3});
    CHECK(cap_list(items, 10) == 3);
    CHECK(items.size() == 3);
}

TEST_CASE("1,000 workloads on one target: a base lease's statuses stay bounded from grant to handover",
          "[controllers][status_bounds]") {
    const auto target = stg();
    const auto workloads = fleet();
    std::vector<std::string> assigned;
    std::vector<const api::v1alpha1::Workload*> assigned_workloads;
    for (const auto& w : workloads) {
        assigned.push_back(w.metadata.name);
        assigned_workloads.push_back(&w);
    }

    // The target runs stg; "prod" is a base lease, the next one waits behind it.
    std::map<std::string, Json, std::less<>> deployments;
    for (const auto& w : workloads) {
        const std::string image =
            target.spec.registry + "/" + w.spec.images.files.repository + ":" + target.spec.channel;
        deployments[w.metadata.name + "-files"] = {
            {"metadata", {{"name", w.metadata.name + "-files"}, {"generation", 1}}},
            {"spec",
             {{"replicas", 1},
              {"template", {{"spec", {{"containers", Json::array({{{"name", "files"}, {"image", image}}})}}}}}}},
            {"status", {{"observedGeneration", 1}, {"replicas", 1}, {"updatedReplicas", 1}, {"availableReplicas", 1}}}};
    }
    auto named = [&](const std::string& name) -> const Json* {
        const auto found = deployments.find(name);
        return found == deployments.end() ? nullptr : &found->second;
    };
    auto no_object = [](const std::string&) -> const Json* { return nullptr; };

    auto make_lease = [&](std::string name, std::chrono::seconds created_after) {
        ObservedLease observed;
        observed.lease.metadata.name = std::move(name);
        observed.lease.metadata.generation = 1;
        observed.lease.metadata.creation_timestamp = t0 + created_after;
        observed.lease.spec.target = "stg";
        observed.lease.spec.holder = "someone@example.com";
        observed.lease.spec.base = "prod";
        return observed;
    };
    std::vector<ObservedLease> leases{make_lease("try-prod", 0s), make_lease("next-prod", 1s)};
    auto serving_of_open = [&] {
        LeaseServing serving;
        for (const auto& observed : leases)
            if (observed.lease.status.phase != LeasePhase::Expired &&
                observed.lease.status.phase != LeasePhase::Released)
                serving.emplace(observed.lease.metadata.name,
                                serving_state(lease_rollouts(observed.lease, target, assigned_workloads), named, no_object));
        return serving;
    };
    std::size_t largest = 0;
    auto plan_and_write = [&](WallTime now) {
        const LeasePlan plan = plan_target_leases(&target, leases, assigned, now, {}, serving_of_open());
        for (const auto& change : plan.changes) {
            const std::size_t size = bytes(lease_status_json(change));
            INFO("lease " << change.lease << ": " << size << " bytes");
            CHECK(size < status_bound);
            largest = std::max(largest, size);
            for (const auto& condition : change.status.conditions)
                CHECK(condition.message.size() <= max_condition_message_bytes);
            for (auto& observed : leases)
                if (observed.lease.metadata.name == change.lease) {
                    observed.lease.status = change.status;
                    observed.observed_generation = change.observed_generation;
                }
        }
        return plan;
    };
    auto lease = [&](const std::string& name) -> const api::v1alpha1::EnvironmentLease& {
        for (const auto& observed : leases)
            if (observed.lease.metadata.name == name) return observed.lease;
        FAIL("no lease " << name);
        return leases.front().lease;
    };

    // Grant: every one of the 1,000 Deployments still runs stg.
    plan_and_write(t0 + 10s);
    REQUIRE(lease("try-prod").status.phase == LeasePhase::Active);
    CHECK(lease("next-prod").status.phase == LeasePhase::Pending);
    const auto* serving = api::v1alpha1::find_condition(lease("try-prod").status.conditions, "Serving");
    REQUIRE(serving != nullptr);
    CHECK(serving->status == "False");
    CHECK(serving->message.find("and 990 more") != std::string::npos);
    // Recomputing from what was written changes nothing (no idle writes).
    CHECK(plan_target_leases(&target, leases, assigned, t0 + 11s, {}, serving_of_open()).changes.empty());

    // Swap: release the first; the second is granted.
    for (auto& observed : leases)
        if (observed.lease.metadata.name == "try-prod") {
            observed.lease.spec.release = true;
            observed.lease.metadata.generation = 2;
        }
    plan_and_write(t0 + 20s);
    CHECK(lease("try-prod").status.phase == LeasePhase::Released);
    plan_and_write(t0 + 21s);
    REQUIRE(lease("next-prod").status.phase == LeasePhase::Active);

    // Release: the target is free again.
    for (auto& observed : leases)
        if (observed.lease.metadata.name == "next-prod") {
            observed.lease.spec.release = true;
            observed.lease.metadata.generation = 2;
        }
    plan_and_write(t0 + 30s);
    CHECK(lease("next-prod").status.phase == LeasePhase::Released);
    WARN("largest lease status with " << fleet_size << " workloads on one target: " << largest << " bytes");
}

TEST_CASE("1,000 workloads on one target: target, policy and workload statuses stay bounded",
          "[controllers][status_bounds]") {
    const auto target = stg();
    const auto workloads = fleet();

    TargetFacts facts;
    facts.workloads = fleet_size;
    facts.leases.pending = fleet_size;
    facts.namespace_state = NamespaceState::Ready;
    const std::size_t target_bytes = bytes(target_status_merge_json(target_status(target, facts, t0)));
    CHECK(target_bytes < status_bound);

    std::vector<api::v1alpha1::Assignment> pairs;
    for (const auto& w : workloads) pairs.push_back({w.metadata.name, target.metadata.name});
    const auto policy = policy_status({}, 1, pairs, t0);
    CHECK(policy.assignment_count == fleet_size);
    CHECK(policy.assignments.size() == api::v1alpha1::max_listed_assignments);
    const std::size_t policy_bytes = bytes(api::v1alpha1::to_json(policy));
    CHECK(policy_bytes < status_bound);

    // Each workload on the target, rolling out, with a write error per target.
    WorkloadSync sync;
    TargetOutcome outcome;
    outcome.target = target.metadata.name;
    outcome.environment = "stg";
    outcome.images.workshop_image = "registry.example.internal:5000/" + workloads[0].spec.images.workshop.repository + ":stg";
    outcome.images.files_image = "registry.example.internal:5000/" + workloads[0].spec.images.files.repository + ":stg";
    outcome.images.source = "channel";
    outcome.desired_replicas = 1;
    sync.targets.push_back(outcome);
    const std::size_t workload_bytes =
        bytes(api::v1alpha1::to_json(workload_status(workloads[0], sync, {"apply failed"}, t0)));
    CHECK(workload_bytes < status_bound);

    WARN("status bytes with " << fleet_size << " workloads on one target: target " << target_bytes << ", policy "
                              << policy_bytes << ", workload " << workload_bytes);
}

TEST_CASE("a workload on 1,000 targets lists 100 of them and counts all", "[controllers][status_bounds]") {
    const auto workload = fleet().front();
    WorkloadSync sync;
    for (int i = 0; i < fleet_size; ++i) {
        TargetOutcome outcome;
        outcome.target = "target-" + std::to_string(1000 + i);
        outcome.environment = "stg";
        outcome.images.workshop_image = "registry.example.internal:5000/" + workload.spec.images.workshop.repository + ":stg";
        outcome.images.files_image = "registry.example.internal:5000/" + workload.spec.images.files.repository + ":stg";
        outcome.images.source = "channel";
        outcome.desired_replicas = 1;
        sync.targets.push_back(std::move(outcome));
    }
    const auto status = workload_status(workload, sync, {}, t0);
    REQUIRE(status.targets.size() == api::v1alpha1::max_listed_targets);
    CHECK(status.targets.front().name == "target-1000");
    CHECK(status.ready_targets == "0/1000");
    CHECK(api::v1alpha1::find_condition(status.conditions, "Ready")->message.find("and 990 more") !=
          std::string::npos);
    const std::size_t size = bytes(api::v1alpha1::to_json(status));
    CHECK(size < 4 * status_bound);
    WARN("workload status on " << fleet_size << " targets: " << size << " bytes");
}
