#include <catch2/catch.hpp>

#include <memory>

#include "controllers/fleet_view.hpp"
#include "controllers/key_mappers.hpp"

using namespace labfleet::controllers;
using labfleet::kube::Json;
using labfleet::kube::Store;
using Keys = std::vector<std::string>;

namespace {
Json workload_json(const std::string& name, Json labels) {
    return {{"apiVersion", "labfleet.dev/v1alpha1"},
            {"kind", "Workload"},
            {"metadata", {{"name", name}, {"labels", std::move(labels)}}},
            {"spec", {{"images", {{"workshop", {{"repository", "labs/" + name}}},
                                  {"files", {{"repository", "labs/" + name + "-files"}}}}}}}};
}
Json target_json(const std::string& name, const std::string& environment) {
    return {{"metadata", {{"name", name}, {"labels", {{"env", environment}}}}},
            {"spec", {{"environment", environment}, {"namespace", "labs-" + name}}}};
}
Json policy_json(const std::string& name, Json workload_selector, Json target_selector) {
    return {{"metadata", {{"name", name}}},
            {"spec", {{"workloadSelector", std::move(workload_selector)}, {"targetSelector", std::move(target_selector)}}}};
}
Json lease_json(const std::string& name, const std::string& target, const std::string& phase) {
    return {{"metadata", {{"name", name}}},
            {"spec", {{"target", target}, {"holder", "alice"}}},
            {"status", {{"phase", phase}}}};
}
Json child_json(const std::string& kind, const std::string& name, const std::string& ns, const std::string& workload,
                const std::string& target) {
    return {{"kind", kind},
            {"metadata",
             {{"name", name},
              {"namespace", ns},
              {"labels", {{"labfleet.dev/workload", workload}, {"labfleet.dev/target", target}}}}}};
}

struct World {
    Store workloads, targets, policies, leases, config_maps, deployments, services;
    Caches caches{workloads, targets, policies, leases, config_maps, deployments, services};

    void put(Store& store, Json object) { store.apply(std::make_shared<const Json>(std::move(object))); }

    World() {
        put(workloads, workload_json("intro", {{"team", "a"}}));
        put(workloads, workload_json("kube", {{"team", "a"}}));
        put(workloads, workload_json("solo", {{"team", "b"}}));
        put(targets, target_json("qa-1", "qa"));
        put(targets, target_json("stg-1", "stg"));
        put(policies, policy_json("team-a-qa", {{"matchLabels", {{"team", "a"}}}}, {{"matchLabels", {{"env", "qa"}}}}));
        put(policies, policy_json("solo-stg", {{"matchLabels", {{"team", "b"}}}}, {{"matchLabels", {{"env", "stg"}}}}));
    }
};
} // namespace

TEST_CASE("a child maps to its workload label", "[controllers][mappers]") {
    CHECK(workload_keys_for_child(child_json("Deployment", "intro-files", "labs", "intro", "qa-1")) == Keys{"intro"});
    CHECK(workload_keys_for_child(Json{{"metadata", {{"name", "x"}}}}).empty());
    CHECK(map_child_to_workload()(child_json("Service", "a-files", "labs", "a", "t")) == Keys{"a"});
}

TEST_CASE("a target maps to the workloads assigned to it", "[controllers][mappers]") {
    World w;
    CHECK(workload_keys_for_target(w.caches, target_json("qa-1", "qa")) == Keys{"intro", "kube"});
    CHECK(workload_keys_for_target(w.caches, target_json("stg-1", "stg")) == Keys{"solo"});
    SECTION("the old state of a relabelled target still reaches its former workloads") {
        CHECK(workload_keys_for_target(w.caches, target_json("stg-1", "qa")) == Keys{"intro", "kube"});
    }
    SECTION("and those that still have children there, to prune them") {
        w.put(w.deployments, child_json("Deployment", "old-files", "labs-stg-1", "old", "stg-1"));
        CHECK(workload_keys_for_target(w.caches, target_json("stg-1", "stg")) == Keys{"old", "solo"});
        CHECK(map_target_to_workloads(w.caches)(Json{{"metadata", {{"name", "stg-1"}}}}) == Keys{"old"});
    }
}

TEST_CASE("a policy maps to the workloads its selector selects", "[controllers][mappers]") {
    World w;
    CHECK(workload_keys_for_policy(w.caches, policy_json("p", {{"matchLabels", {{"team", "a"}}}}, Json::object())) ==
          Keys{"intro", "kube"});
    CHECK(workload_keys_for_policy(w.caches, policy_json("p", Json::object(), Json::object())) ==
          Keys{"intro", "kube", "solo"});
    SECTION("a selector that does not parse maps to every workload") {
        const Json broken = policy_json("p", {{"matchExpressions", {{{"key", "team"}, {"operator", "Near"}}}}},
                                        Json::object());
        CHECK(map_policy_to_workloads(w.caches)(broken) == Keys{"intro", "kube", "solo"});
    }
}

TEST_CASE("a lease maps to the workloads of its target", "[controllers][mappers]") {
    World w;
    CHECK(workload_keys_for_lease(w.caches, lease_json("pr-1", "qa-1", "Active")) == Keys{"intro", "kube"});
    CHECK(workload_keys_for_lease(w.caches, lease_json("pr-1", "missing", "Pending")).empty());
    CHECK(map_lease_to_workloads(w.caches)(lease_json("pr-2", "stg-1", "Pending")) == Keys{"solo"});
}

TEST_CASE("policy and target controllers: every key, and a lease's target", "[controllers][mappers]") {
    World w;
    CHECK(all_keys(w.policies) == Keys{"solo-stg", "team-a-qa"});
    CHECK(map_to_all_keys(w.targets)(Json::object()) == Keys{"qa-1", "stg-1"});
    CHECK(lease_target_of(lease_json("pr-1", "qa-1", "Active")) == Keys{"qa-1"});
    CHECK(map_lease_to_target()(Json{{"spec", Json::object()}}).empty());
    CHECK(map_lease_to_target()(Json{{"metadata", {{"name", "x"}}}}).empty());
}

TEST_CASE("workload and policy changes reach the targets of leases with overrides", "[controllers][mappers]") {
    World w;
    w.put(w.leases, lease_json("plain", "qa-1", "Active"));
    Json with_overrides = lease_json("pr-1", "stg-1", "Pending");
    with_overrides["spec"]["overrides"] = Json::array({{{"workload", "solo"}, {"files", {{"tag", "x"}}}}});
    w.put(w.leases, with_overrides);
    CHECK(targets_with_lease_overrides(w.leases) == Keys{"stg-1"});
    CHECK(map_to_targets_with_lease_overrides(w.leases)(Json::object()) == Keys{"stg-1"});
}

TEST_CASE("update filters drop status-only changes", "[controllers][mappers]") {
    const Json lease = lease_json("pr-1", "qa-1", "Pending");
    Json repositioned = lease;
    repositioned["status"]["queuePosition"] = 2;
    Json granted = lease;
    granted["status"]["phase"] = "Active";
    Json renewed = lease;
    renewed["spec"]["duration"] = "2h";
    CHECK_FALSE(lease_holding_changed(lease, repositioned));
    CHECK(lease_holding_changed(lease, granted));
    CHECK(lease_holding_changed(lease, renewed));

    const Json target = target_json("qa-1", "qa");
    Json with_status = target;
    with_status["status"] = {{"workloads", 3}};
    Json relabelled = target;
    relabelled["metadata"]["labels"]["env"] = "stg";
    Json deleting = target;
    deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
    CHECK_FALSE(labfleet::kube::spec_or_labels_changed(target, with_status));
    CHECK(labfleet::kube::spec_or_labels_changed(target, relabelled));
    CHECK(labfleet::kube::spec_or_labels_changed(target, deleting));
    CHECK(labfleet::kube::spec_or_labels_changed(Json::object(), target));
}

TEST_CASE("the target's lease filter passes what activeLease shows, expiresAt included", "[controllers][mappers]") {
    // Issue 15, item 5: the lease controller writes a renewed or re-clamped
    // expiresAt in a status-only update; the target must hear of it.
    Json active = lease_json("pr-1", "qa-1", "Active");
    active["status"]["expiresAt"] = "2026-01-01T01:00:00Z";
    Json renewed = active;
    renewed["status"]["expiresAt"] = "2026-01-01T03:00:00Z";
    Json repositioned = active;
    repositioned["status"]["queuePosition"] = 0;
    repositioned["status"]["conditions"] = Json::array({{{"type", "ExpiringSoon"}, {"status", "True"}}});
    Json expired = active;
    expired["status"]["phase"] = "Expired";
    Json rehanded = active;
    rehanded["spec"]["holder"] = "someone-else";

    CHECK(lease_shown_on_target_changed(active, renewed));
    CHECK(lease_shown_on_target_changed(active, expired));
    CHECK(lease_shown_on_target_changed(active, rehanded));
    CHECK_FALSE(lease_shown_on_target_changed(active, repositioned));  // still quiet on status churn
    CHECK_FALSE(lease_holding_changed(active, renewed));  // the workloads need no new expiresAt
}

TEST_CASE("fleet view: decoding, the active lease, assigned targets", "[controllers][fleet]") {
    World w;
    w.put(w.targets, Json{{"metadata", {{"name", "broken"}}}, {"spec", {{"environment", "qa"}}}});
    const auto targets = decode_targets(w.targets);
    CHECK(targets->items.size() == 2);
    CHECK(targets->rejected == Keys{"broken"});

    w.put(w.leases, lease_json("pr-1", "qa-1", "Pending"));
    w.put(w.leases, lease_json("pr-2", "qa-1", "Active"));
    w.put(w.leases, lease_json("pr-3", "stg-1", "Active"));
    const auto leases = decode_leases_of(w.caches, "qa-1");
    REQUIRE(leases.size() == 2);
    CHECK(leases[0].metadata.name == "pr-1");
    CHECK(decode_leases_of(w.caches, "stg-1").size() == 1);
    const auto* active = active_lease_for(leases, "qa-1");
    REQUIRE(active);
    CHECK(active->metadata.name == "pr-2");
    CHECK(active_lease_for(leases, "nowhere") == nullptr);

    const auto workloads = decode_workloads(w.workloads);
    const auto policies = decode_policies(w.policies);
    const auto assigned = targets_assigned_to(workloads->items[0], targets->items, policies->items);  // intro
    REQUIRE(assigned.size() == 1);
    CHECK(assigned[0].metadata.name == "qa-1");
}

TEST_CASE("fleet view: a kind is decoded once per store revision", "[controllers][fleet]") {
    World w;
    const auto first = decode_workloads(w.workloads);
    CHECK(decode_workloads(w.workloads) == first);  // same snapshot while nothing changed
    w.put(w.workloads, workload_json("extra", {{"team", "b"}}));
    const auto second = decode_workloads(w.workloads);
    CHECK(second != first);
    CHECK(second->items.size() == first->items.size() + 1);
    CHECK(first->items.size() == 3);  // an older snapshot stays as it was

    SECTION("in a packed store too, and an object replaced is decoded again, whatever its resourceVersion") {
        Store packed({.packed = true});
        packed.apply(std::make_shared<const Json>(workload_json("a", {{"team", "a"}})));
        packed.apply(std::make_shared<const Json>(workload_json("b", {{"team", "a"}})));
        const auto before = decode_workloads(packed);
        CHECK(decode_workloads(packed) == before);
        packed.apply(std::make_shared<const Json>(workload_json("b", {{"team", "b"}})));  // no RV in either
        const auto after = decode_workloads(packed);
        REQUIRE(after->items.size() == 2);
        CHECK(after->items[0].metadata.labels.at("team") == "a");
        CHECK(after->items[1].metadata.labels.at("team") == "b");
        CHECK(before->items[1].metadata.labels.at("team") == "a");
    }
    SECTION("a store at the address of a destroyed one is not served its memo") {
        auto store = std::make_unique<Store>();
        store->apply(std::make_shared<const Json>(workload_json("a", {})));
        CHECK(decode_workloads(*store)->items.size() == 1);
        store.reset();
        store = std::make_unique<Store>();
        CHECK(decode_workloads(*store)->items.empty());
    }
}

TEST_CASE("fleet view: an unchanged object's decode is moved to the next result, copied while one reads the last",
          "[controllers][fleet]") {
    Store store({.packed = true});
    const std::string name = "a-workload-name-longer-than-any-short-string";  // its characters live on the heap
    auto put = [&store](const std::string& workload, const std::string& team) {
        store.apply(std::make_shared<const Json>(workload_json(workload, {{"team", team}})));
    };
    put(name, "a");
    put("other", "a");
    auto first = decode_workloads(store);
    REQUIRE(first->items.size() == 2);
    const char* characters = first->items[0].metadata.name.data();

    SECTION("nobody holds the last result: the decode moves, nothing is copied") {
        first.reset();
        put("other", "b");
        const auto second = decode_workloads(store);
        REQUIRE(second->items.size() == 2);
        CHECK(second->items[0].metadata.name == name);
        CHECK(second->items[0].metadata.name.data() == characters);
        CHECK(second->items[1].metadata.labels.at("team") == "b");
    }
    SECTION("a reader holds it: it stays whole, the next result has a copy") {
        put("other", "b");
        const auto second = decode_workloads(store);
        REQUIRE(second->items.size() == 2);
        CHECK(second->items[0].metadata.name == name);
        CHECK(second->items[0].metadata.name.data() != characters);
        CHECK(first->items[0].metadata.name == name);
        CHECK(first->items[1].metadata.labels.at("team") == "a");
    }
}

TEST_CASE("fleet view: target refusals are computed once per decode of the targets", "[controllers][fleet]") {
    World w;
    Json rival = target_json("qa-2", "qa");
    rival["spec"]["namespace"] = "labs-qa-1";  // qa-1's namespace: the later name (no creation time in either) is refused
    w.put(w.targets, rival);
    const NamespaceRules rules;
    const auto first = refusals_of(decode_targets(w.targets), rules);
    REQUIRE(first->contains("qa-2"));
    CHECK(first->at("qa-2").reason == namespace_conflict_reason);
    CHECK(*first == target_refusals(decode_targets(w.targets)->items, rules));
    CHECK(refusals_of(decode_targets(w.targets), rules) == first);  // same decode: not computed again

    NamespaceRules strict;
    strict.denied.push_back("labs-qa-*");
    const auto denied = refusals_of(decode_targets(w.targets), strict);  // other rules: computed again
    CHECK(denied != first);
    CHECK(denied->at("qa-1").reason == namespace_denied_reason);

    rival["spec"]["namespace"] = "labs-qa-2";
    w.put(w.targets, rival);  // a new decode: the refusal is gone with the conflict
    CHECK_FALSE(refusals_of(decode_targets(w.targets), rules)->contains("qa-2"));
    CHECK(first->contains("qa-2"));  // an older result stays as it was
}

TEST_CASE("the workloads the children name, gone ones included, once each", "[controllers][key_mappers]") {
    World world;
    world.put(world.config_maps, child_json("ConfigMap", "intro", "labs-qa-1", "intro", "qa-1"));
    world.put(world.deployments, child_json("Deployment", "intro", "labs-qa-1", "intro", "qa-1"));
    world.put(world.services, child_json("Service", "gone", "labs-qa-1", "gone", "qa-1"));
    world.put(world.deployments, child_json("Deployment", "kube", "labs-stg-1", "kube", "stg-1"));
    CHECK(workloads_named_by_children(world.caches) == Keys{"gone", "intro", "kube"});
}

TEST_CASE("a target change reaches the workloads of the targets sharing its namespace", "[controllers][mappers]") {
    World w;
    Json incoming = target_json("stg-2", "stg");
    incoming["spec"]["namespace"] = "labs-qa-1";  // qa-1's namespace
    incoming["metadata"]["labels"] = {{"env", "none"}};
    // qa-1 holds intro and kube (team-a-qa): whichever target wins, they must look again.
    CHECK(workload_keys_for_target(w.caches, incoming) == Keys{"intro", "kube"});
    CHECK(map_target_to_namespace_peers(w.targets)(incoming) == Keys{"qa-1"});
    CHECK(map_target_to_namespace_peers(w.targets)(target_json("qa-1", "qa")).empty());
}

TEST_CASE("a Deployment maps to its target's lease key only while a lease holds the target",
          "[controllers][mappers]") {
    World w;
    const Json deployment = child_json("Deployment", "intro-files", "labs-qa-1", "intro", "qa-1");
    CHECK(lease_targets_for_deployment(w.caches, deployment).empty());  // no lease
    w.put(w.leases, lease_json("pr-1", "qa-1", "Pending"));
    CHECK(lease_targets_for_deployment(w.caches, deployment).empty());  // none Active: no Serving to update
    w.put(w.leases, lease_json("pr-2", "qa-1", "Active"));
    CHECK(map_deployment_to_lease_target(w.caches)(deployment) == Keys{"qa-1"});
    CHECK(lease_targets_for_deployment(w.caches, Json{{"metadata", {{"name", "x"}}}}).empty());  // unlabelled
}
