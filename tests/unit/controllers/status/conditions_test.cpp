#include <catch2/catch.hpp>

#include "controllers/status/conditions.hpp"

using namespace labfleet::controllers;
using namespace std::chrono_literals;
using labfleet::kube::WallTime;

namespace {
const WallTime t0{std::chrono::seconds{1'700'000'000}};
}

TEST_CASE("a new condition gets every field, the time in whole seconds", "[controllers][conditions]") {
    std::vector<Condition> conditions;
    set_condition(conditions, {"Ready", "True", "TargetsReady", "1/1 targets ready"}, 4, t0 + 250ms);
    REQUIRE(conditions.size() == 1);
    CHECK(conditions[0].type == "Ready");
    CHECK(conditions[0].status == "True");
    CHECK(conditions[0].observed_generation == 4);
    CHECK(conditions[0].last_transition_time == t0);
    CHECK(conditions[0].reason == "TargetsReady");
    CHECK(conditions[0].message == "1/1 targets ready");
}

TEST_CASE("a condition read without a lastTransitionTime gets the current time", "[controllers][conditions]") {
    std::vector<Condition> conditions{{"Ready", "True", 1, WallTime{}, "TargetsReady", "1/1"}};
    set_condition(conditions, {"Ready", "True", "TargetsReady", "1/1"}, 1, t0 + 30s);
    CHECK(conditions[0].last_transition_time == t0 + 30s);
    set_condition(conditions, {"Ready", "True", "TargetsReady", "1/1"}, 1, t0 + 90s);
    CHECK(conditions[0].last_transition_time == t0 + 30s);
}

TEST_CASE("lastTransitionTime moves only when the status flips", "[controllers][conditions]") {
    std::vector<Condition> conditions;
    set_condition(conditions, {"Ready", "False", "TargetsNotReady", "0/1"}, 1, t0);
    set_condition(conditions, {"Ready", "False", "TargetsNotReady", "still 0/1"}, 2, t0 + 60s);
    CHECK(conditions[0].last_transition_time == t0);
    CHECK(conditions[0].message == "still 0/1");
    CHECK(conditions[0].observed_generation == 2);
    set_condition(conditions, {"Ready", "True", "TargetsReady", "1/1"}, 2, t0 + 120s);
    CHECK(conditions[0].last_transition_time == t0 + 120s);
}

TEST_CASE("merging keeps other types and their order, all describe the new generation", "[controllers][conditions]") {
    std::vector<Condition> existing;
    set_condition(existing, {"Custom", "True", "Mine", ""}, 1, t0);
    const auto merged = merge_conditions(existing, {{"Ready", "True", "A", ""}, {"Degraded", "False", "B", ""}}, 3, t0);
    REQUIRE(merged.size() == 3);
    CHECK(merged[0].type == "Custom");
    CHECK(merged[0].status == "True");
    CHECK(merged[0].observed_generation == 3);
    CHECK(merged[1].type == "Ready");
    CHECK(merged[2].type == "Degraded");
}

TEST_CASE("comparison ignores lastTransitionTime only", "[controllers][conditions]") {
    const auto a = merge_conditions({}, {{"Ready", "True", "A", "m"}}, 1, t0);
    const auto b = merge_conditions({}, {{"Ready", "True", "A", "m"}}, 1, t0 + 1h);
    CHECK(same_conditions_ignoring_time(a, b));
    CHECK_FALSE(same_conditions_ignoring_time(a, merge_conditions({}, {{"Ready", "True", "A", "other"}}, 1, t0)));
    CHECK_FALSE(same_conditions_ignoring_time(a, merge_conditions({}, {{"Ready", "True", "A", "m"}}, 2, t0)));
    CHECK_FALSE(same_conditions_ignoring_time(a, {}));
}
