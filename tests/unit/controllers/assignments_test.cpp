#include <catch2/catch.hpp>

#include "controllers/assignments.hpp"
#include "fixtures.hpp"

using namespace labfleet::controllers;
using namespace labfleet::controllers::testing;
using labfleet::kube::LabelSelector;
using labfleet::kube::SelectorOperator;

TEST_CASE("every selected workload pairs with every selected target", "[controllers][assignments]") {
    const std::vector workloads{workload("b", {{"team", "x"}}), workload("a", {{"team", "x"}}), workload("c")};
    const std::vector targets{target("t2", "qa"), target("t1", "prod", {{"shared", "yes"}})};
    const auto p = policy("p", LabelSelector({{"team", "x"}}, {}), LabelSelector());
    CHECK(assignments_of(p, workloads, targets) ==
          std::vector<Assignment>{{"a", "t1"}, {"a", "t2"}, {"b", "t1"}, {"b", "t2"}});
}

TEST_CASE("environments filter the targets", "[controllers][assignments]") {
    const std::vector workloads{workload("a")};
    const std::vector targets{target("q", "qa"), target("d", "dev"), target("p", "prod")};
    CHECK(assignments_of(policy("p", {}, {}, {"qa", "dev"}), workloads, targets) ==
          std::vector<Assignment>{{"a", "d"}, {"a", "q"}});
    CHECK(assignments_of(policy("p", {}, {}, {"stg"}), workloads, targets).empty());
}

TEST_CASE("policies union, deduplicated and sorted; per-policy lists kept", "[controllers][assignments]") {
    const std::vector workloads{workload("a", {{"tier", "1"}}), workload("b", {{"tier", "2"}})};
    const std::vector targets{target("t1", "qa", {{"pool", "shared"}}), target("t2", "prod")};
    const std::vector policies{
        policy("all", {}, LabelSelector({{"pool", "shared"}}, {})),
        policy("tier1", LabelSelector({}, {{"tier", SelectorOperator::In, {"1"}}}), {}),
        policy("none", LabelSelector({}, {{"tier", SelectorOperator::DoesNotExist, {}}}), {}),
    };
    const auto set = compute_assignments(workloads, targets, policies);
    CHECK(set.pairs == std::vector<Assignment>{{"a", "t1"}, {"a", "t2"}, {"b", "t1"}});
    REQUIRE(set.by_policy.size() == 3);
    CHECK(set.by_policy[0].policy == "all");
    CHECK(set.by_policy[0].pairs == std::vector<Assignment>{{"a", "t1"}, {"b", "t1"}});
    CHECK(set.by_policy[1].pairs == std::vector<Assignment>{{"a", "t1"}, {"a", "t2"}});
    CHECK(set.by_policy[2].pairs.empty());
    CHECK(compute_assignments(workloads, targets, {}).pairs.empty());
    CHECK(compute_assignments({}, targets, policies).pairs.empty());
}
