#include <catch2/catch.hpp>

#include "controllers/policy/assignments.hpp"
#include "unit/controllers/fixtures.hpp"

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

TEST_CASE("policies union, deduplicated and sorted, per-policy lists kept", "[controllers][assignments]") {
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

namespace {
labfleet::api::v1alpha1::DeploymentTarget target_in(std::string name, std::string ns, int created_second) {
    auto t = target(std::move(name), "stg");
    t.spec.target_namespace = std::move(ns);
    t.metadata.creation_timestamp = labfleet::kube::WallTime{std::chrono::seconds{1'700'000'000 + created_second}};
    return t;
}
} // namespace

TEST_CASE("a namespace belongs to the oldest target naming it, then the first by name",
          "[controllers][assignments][namespaces]") {
    const NamespaceRules rules;
    SECTION("the older wins, whatever the names") {
        const auto refused = target_refusals({target_in("a", "shared", 5), target_in("b", "shared", 1)}, rules);
        REQUIRE(refused.size() == 1);
        REQUIRE(refused.contains("a"));
        CHECK(refused.at("a").reason == "NamespaceConflict");
        CHECK(refused.at("a").message ==
              "namespace shared belongs to target b (the oldest target naming it): nothing is written for this one");
    }
    SECTION("same second: by name") {
        const auto refused = target_refusals({target_in("b", "shared", 1), target_in("a", "shared", 1)}, rules);
        REQUIRE(refused.size() == 1);
        CHECK(refused.contains("b"));
    }
    SECTION("a paused target keeps its claim") {
        auto old = target_in("old", "shared", 1);
        old.spec.paused = true;
        CHECK(target_refusals({old, target_in("new", "shared", 9)}, rules).contains("new"));
    }
    SECTION("handover: once the older is gone the newer holds it") {
        CHECK(target_refusals({target_in("new", "shared", 9)}, rules).empty());
    }
    SECTION("different namespaces never conflict") {
        CHECK(target_refusals({target_in("a", "one", 1), target_in("b", "two", 1)}, rules).empty());
    }
}

TEST_CASE("denied namespaces: globs, and a denied target claims nothing", "[controllers][assignments][namespaces]") {
    const NamespaceRules rules{{"kube-*", "labfleet-system", "team-?"}};
    CHECK(namespace_denied(rules, "kube-system"));
    CHECK(namespace_denied(rules, "kube-"));
    CHECK(namespace_denied(rules, "labfleet-system"));
    CHECK(namespace_denied(rules, "team-a"));
    CHECK_FALSE(namespace_denied(rules, "team-ab"));
    CHECK_FALSE(namespace_denied(rules, "my-kube-system"));
    CHECK_FALSE(namespace_denied(rules, "labs"));
    CHECK_FALSE(namespace_denied(NamespaceRules{{}}, "kube-system"));
    CHECK(namespace_denied(NamespaceRules{{"*"}}, "anything"));

    const auto refused = target_refusals({target_in("sys", "kube-system", 1), target_in("ok", "kube-system-x", 2)},
                                         NamespaceRules{{"kube-system"}});
    REQUIRE(refused.size() == 1);
    CHECK(refused.at("sys").reason == "NamespaceDenied");
    CHECK(refused.at("sys").message == "namespace kube-system is on the operator's deny-list: nothing is written there");
}

TEST_CASE("an unreadable policy freezes what its readable parts could select", "[controllers][assignments]") {
    const auto w = workload("w", {{"team", "a"}});
    const std::vector targets{target("qa-1", "qa", {{"env", "qa"}}), target("stg-1", "stg", {{"env", "stg"}})};
    const auto raw = [](labfleet::kube::Json spec) {
        return labfleet::kube::Json{{"metadata", {{"name", "broken"}}}, {"spec", std::move(spec)}};
    };
    using labfleet::kube::Json;
    const Json bad_selector = {{"matchExpressions", {{{"key", "x"}, {"operator", "Bogus"}}}}};
    SECTION("target selector readable: only the targets it matches") {
        CHECK(targets_unreadable_policies_could_assign(
                  w, targets, {raw({{"workloadSelector", bad_selector}, {"targetSelector", {{"matchLabels", {{"env", "qa"}}}}}})}) ==
              std::set<std::string>{"qa-1"});
    }
    SECTION("workload selector readable and not matching: nothing") {
        CHECK(targets_unreadable_policies_could_assign(
                  w, targets, {raw({{"workloadSelector", {{"matchLabels", {{"team", "b"}}}}}, {"targetSelector", bad_selector}})})
                  .empty());
    }
    SECTION("environments narrow it") {
        CHECK(targets_unreadable_policies_could_assign(
                  w, targets, {raw({{"workloadSelector", bad_selector}, {"targetSelector", {}}, {"environments", {"stg"}}})}) ==
              std::set<std::string>{"stg-1"});
    }
    SECTION("nothing readable: every target") {
        CHECK(targets_unreadable_policies_could_assign(w, targets, {Json{{"spec", 3}}}) ==
              std::set<std::string>{"qa-1", "stg-1"});
    }
}
