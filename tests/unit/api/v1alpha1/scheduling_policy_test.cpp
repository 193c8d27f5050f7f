#include <catch2/catch.hpp>

#include "api/v1alpha1/scheduling_policy.hpp"
#include "kinds_test_support.hpp"

using namespace labfleet::api::v1alpha1;
using namespace labfleet::api::v1alpha1::testing;
using labfleet::kube::Json;

TEST_CASE("SchedulingPolicy decodes both selectors", "[api][policy]") {
    const auto p = decode<SchedulingPolicy>(Json::parse(R"({"metadata": {"name": "p"},
        "spec": {"workloadSelector": {}, "targetSelector": {"matchLabels": {"tier": "shared"}},
                 "environments": ["qa", "dev"]}})"));
    CHECK(p.spec.workload_selector.empty());
    CHECK(p.spec.target_selector.to_query() == "tier=shared");
    CHECK(p.spec.environments == std::vector<std::string>{"qa", "dev"});
    CHECK(validate(p).empty());
}

TEST_CASE("SchedulingPolicy errors name the selector field", "[api][policy]") {
    CHECK(decode_failure<SchedulingPolicy>(Json::parse(R"({"metadata": {"name": "p"},
        "spec": {"targetSelector": {}}})")).field == "spec.workloadSelector");
    CHECK(decode_failure<SchedulingPolicy>(Json::parse(R"({"metadata": {"name": "p"},
        "spec": {"workloadSelector": {}, "targetSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}})"))
              .field == "spec.targetSelector.matchExpressions[0].values");
    CHECK(decode_failure<SchedulingPolicy>(Json::parse(R"({"metadata": {"name": "p"},
        "spec": {"workloadSelector": {}, "targetSelector": {}, "environments": ["qa", 1]}})")).field ==
          "spec.environments[1]");
    auto p = decode<SchedulingPolicy>(Json::parse(R"({"metadata": {"name": "p"},
        "spec": {"workloadSelector": {}, "targetSelector": {}, "environments": ["qa", "Prod"]}})"));
    REQUIRE(validate(p).size() == 1);
    CHECK(validate(p)[0].field == "spec.environments[1]");
}

TEST_CASE("SchedulingPolicy status lists at most 100 assignments", "[api][policy]") {
    SchedulingPolicyStatus status;
    for (int i = 0; i < 150; ++i) status.assignments.push_back({"w" + std::to_string(i), "t"});
    status.assignment_count = 150;
    const Json json = to_json(status);
    CHECK(json["assignmentCount"] == 150);
    CHECK(json["assignments"].size() == 100);
    CHECK(json["assignments"][0] == Json{{"workload", "w0"}, {"target", "t"}});
    CHECK((Assignment{"a", "z"} < Assignment{"b", "a"}));
}

TEST_CASE("the reach of a policy that does not decode: each readable part narrows it", "[api][policy]") {
    const Json broken = Json::parse(R"({"metadata": {"name": "p"},
        "spec": {"workloadSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]},
                 "targetSelector": {"matchLabels": {"env": "qa"}}, "environments": ["qa", 1]}})");
    const PolicyReach reach = reach_of_policy(broken);
    CHECK_FALSE(reach.workload_selector);  // unreadable: any workload
    CHECK(reach.could_select_workload({{"team", "x"}}));
    REQUIRE(reach.target_selector);
    CHECK(reach.could_select_target({{"env", "qa"}}, "stg"));  // environments unreadable: any
    CHECK_FALSE(reach.could_select_target({{"env", "stg"}}, "stg"));

    const PolicyReach envs = reach_of_policy(Json::parse(R"({"spec": {"workloadSelector": {"matchLabels": {"t": "a"}},
        "targetSelector": 7, "environments": ["qa"]}})"));
    CHECK_FALSE(envs.could_select_workload({{"t", "b"}}));
    CHECK(envs.could_select_target({{"any", "x"}}, "qa"));
    CHECK_FALSE(envs.could_select_target({{"any", "x"}}, "prod"));

    const PolicyReach nothing = reach_of_policy(Json::parse(R"("not an object")"));
    CHECK(nothing.could_select_workload({}));
    CHECK(nothing.could_select_target({}, "prod"));
}
