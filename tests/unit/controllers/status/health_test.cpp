#include <catch2/catch.hpp>

#include "controllers/status/health.hpp"

using namespace labfleet::controllers;
using labfleet::api::v1alpha1::Condition;
using labfleet::api::v1alpha1::find_condition;
using labfleet::kube::WallTime;

namespace {
const WallTime t0{std::chrono::seconds{1'700'000'000}};
}

TEST_CASE("health: exactly one of Ready, Reconciling, Stalled is True, all with the reason",
          "[controllers][health]") {
    const auto check = [](const Health& health, const char* true_type) {
        const auto updates = health_conditions(health);
        REQUIRE(updates.size() == 3);
        for (const auto& update : updates) {
            INFO(update.type);
            CHECK(update.status == (update.type == true_type ? "True" : "False"));
            CHECK(update.reason == health.reason);
            CHECK(update.message == health.message);
        }
    };
    check(Health::ready("Serving", "m"), "Ready");
    check(Health::reconciling("RollingOut", "m"), "Reconciling");
    check(Health::stalled("InvalidSpec", "m"), "Stalled");
}

TEST_CASE("health: set_health replaces the three in place and keeps the rest", "[controllers][health]") {
    std::vector<ConditionUpdate> updates = {{"Ready", "True", "TargetsReady", "1/1"},
                                            {"Degraded", "False", "AsExpected", "no errors"}};
    set_health(updates, Health::stalled("ApplyFailed", "403"));
    REQUIRE(updates.size() == 4);
    CHECK(updates[0].type == "Ready");
    CHECK(updates[0].status == "False");
    CHECK(updates[1].type == "Degraded");
    CHECK(updates[3].type == "Stalled");
    CHECK(updates[3].status == "True");
}

TEST_CASE("invalid spec: one definition of the problem and its conditions", "[controllers][health]") {
    CHECK_FALSE(spec_problem({}));
    const auto spec = spec_problem({{"spec.namespace", "must be a DNS label"}, {"spec.channel", "not a tag"}});
    REQUIRE(spec);
    CHECK(spec->reason == "InvalidSpec");
    CHECK(spec->message == "spec.namespace: must be a DNS label; spec.channel: not a tag");
    CHECK(spec_problem({{"spec.workloadSelector.matchLabels", "bad"}})->reason == "InvalidSelector");

    const auto updates = invalid_spec_conditions(*spec, /*with_degraded=*/true);
    const auto conditions = merge_conditions({}, updates, 2, t0);
    CHECK(find_condition(conditions, "Stalled")->status == "True");
    CHECK(find_condition(conditions, "Ready")->status == "False");
    CHECK(find_condition(conditions, "Reconciling")->status == "False");
    CHECK(find_condition(conditions, "Degraded")->status == "True");
    CHECK(find_condition(conditions, "Degraded")->message == spec->message);
    CHECK(find_condition(merge_conditions({}, invalid_spec_conditions(*spec, false), 2, t0), "Degraded") == nullptr);
}

TEST_CASE("stalled_event: once per reason and message, never while not Stalled", "[controllers][health]") {
    const auto conditions = [](const Health& health) { return merge_conditions({}, health_conditions(health), 1, t0); };
    const auto stalled = conditions(Health::stalled("ObjectNotOwned", "Deployment a/b: not labelled"));
    const auto event = stalled_event({}, stalled);
    REQUIRE(event);
    CHECK(*event == WarningEvent{"ObjectNotOwned", "Deployment a/b: not labelled", "Apply"});
    CHECK_FALSE(stalled_event(stalled, stalled));
    CHECK(stalled_event(stalled, conditions(Health::stalled("ObjectNotOwned", "Service a/c: not labelled"))));
    CHECK(stalled_event(stalled, conditions(Health::stalled("ApplyFailed", "Deployment a/b: not labelled"))));
    CHECK_FALSE(stalled_event({}, conditions(Health::reconciling("RollingOut", "m"))));
    CHECK(stalled_event(conditions(Health::ready("TargetsReady", "m")), stalled));
    CHECK(stalled_event({}, conditions(Health::stalled("UnknownPlaceholder", "m")))->action == "Render");
    CHECK(stalled_event({}, conditions(Health::stalled("InvalidSpec", "m")))->action == "Validate");
}
