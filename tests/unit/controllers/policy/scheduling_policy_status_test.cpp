#include <catch2/catch.hpp>

#include "controllers/status/conditions.hpp"
#include "controllers/policy/scheduling_policy_status.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet::controllers;
using namespace std::chrono_literals;
using labfleet::api::v1alpha1::Assignment;
using labfleet::api::v1alpha1::SchedulingPolicyStatus;
using labfleet::kube::Json;

namespace {
const labfleet::kube::WallTime t0{std::chrono::seconds{1'700'000'000}};
}

TEST_CASE("policy status lists the pairs sorted and counts them all", "[controllers][policy]") {
    std::vector<Assignment> pairs;
    for (int i = 0; i < 150; ++i) pairs.push_back({"w" + std::to_string(1000 - i), "t"});
    pairs.push_back(pairs.front());  // a duplicate counts once
    const auto status = policy_status({}, 5, pairs, t0);
    CHECK(status.observed_generation == 5);
    CHECK(status.assignment_count == 150);
    REQUIRE(status.assignments.size() == 100);
    CHECK(status.assignments.front().workload == "w1000");  // by name, not number
    CHECK(std::is_sorted(status.assignments.begin(), status.assignments.end()));
    const auto* ready = find_condition(status.conditions, "Ready");
    REQUIRE(ready);
    CHECK(ready->status == "True");
    CHECK(ready->message == "150 assignments");
    CHECK(find_condition(status.conditions, "Degraded")->status == "False");
}

TEST_CASE("policy status is written only when it changed", "[controllers][policy]") {
    const auto first = policy_status({}, 1, {{"a", "t"}}, t0);
    CHECK(policy_status_changed({}, first));
    CHECK_FALSE(policy_status_changed(first, policy_status(first, 1, {{"a", "t"}}, t0 + 1h)));
    CHECK(policy_status_changed(first, policy_status(first, 1, {{"a", "t"}, {"b", "t"}}, t0)));
    CHECK(policy_status_changed(first, policy_status(first, 2, {{"a", "t"}}, t0)));
}

TEST_CASE("an invalid selector: Ready=False InvalidSelector, Degraded with the message", "[controllers][policy]") {
    const auto valid = policy_status({}, 1, {{"a", "t"}}, t0);
    const auto problem = spec_problem({{"spec.workloadSelector.matchExpressions[0].operator",
                                         "expected In, NotIn, Exists or DoesNotExist"}});
    REQUIRE(problem);
    const auto status = invalid_policy_status(valid, 2, *problem, t0 + 1h);
    CHECK(status.observed_generation == 2);
    CHECK(status.assignment_count == 0);
    CHECK(status.assignments.empty());
    const auto* ready = find_condition(status.conditions, "Ready");
    const auto* degraded = find_condition(status.conditions, "Degraded");
    CHECK(ready->status == "False");
    CHECK(ready->reason == "InvalidSelector");
    CHECK(ready->last_transition_time == t0 + 1h);
    CHECK(degraded->status == "True");
    CHECK(degraded->message ==
          "spec.workloadSelector.matchExpressions[0].operator: expected In, NotIn, Exists or DoesNotExist");
    CHECK(invalid_policy_status({}, 2, *spec_problem({{"spec.environments[0]", "not a DNS label"}}), t0)
              .conditions[0]
              .reason == "InvalidSpec");
    CHECK(find_condition(status.conditions, "Stalled")->status == "True");
    CHECK(find_condition(status.conditions, "Stalled")->reason == "InvalidSelector");
}

TEST_CASE("the status of an undecodable policy is read leniently", "[controllers][policy]") {
    const Json object = {{"metadata", {{"name", "p"}}},
                         {"spec", {{"workloadSelector", "broken"}}},
                         {"status",
                          {{"observedGeneration", 3},
                           {"assignmentCount", 1},
                           {"assignments", {{{"workload", "a"}, {"target", "t"}}}},
                           {"conditions", Json::array()}}}};
    const auto status = read_policy_status_leniently(object);
    CHECK(status.observed_generation == 3);
    CHECK(status.assignment_count == 1);
    REQUIRE(status.assignments.size() == 1);
    CHECK(status.assignments[0].target == "t");
    CHECK(read_policy_status_leniently(Json{{"status", {{"assignmentCount", "x"}}}}) == SchedulingPolicyStatus{});
}

TEST_CASE("policy health (kstatus): Ready when valid, Stalled when invalid, never Reconciling",
          "[controllers][policy][health]") {
    using namespace labfleet::controllers::testing;
    const auto valid = policy_status({}, 4, {{"a", "t"}}, t0);
    CHECK(kstatus(4, valid.observed_generation, valid.conditions) == "Current");
    CHECK(health_reason(valid.conditions) == "Ready/SelectorsValid");
    const auto invalid = invalid_policy_status(valid, 5, *spec_problem({{"spec.targetSelector", "bad"}}), t0);
    CHECK(kstatus(5, invalid.observed_generation, invalid.conditions) == "Failed");
    CHECK(health_reason(invalid.conditions) == "Stalled/InvalidSelector");
    CHECK(find_condition(invalid.conditions, "Reconciling")->status == "False");
    CHECK(find_condition(invalid.conditions, "Degraded")->status == "True");
    const auto fixed = policy_status(invalid, 6, {}, t0);
    CHECK(kstatus(6, fixed.observed_generation, fixed.conditions) == "Current");
}
