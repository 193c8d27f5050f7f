// The Workload plan and the target status with targets in other clusters
// (DeploymentTarget.spec.cluster): children are told apart by cluster, a
// target whose cluster cannot be written is left as it is, and the identity
// recorded in status.clusterUID guards every write.
#include <catch2/catch.hpp>

#include <memory>

#include "controllers/policy/assignments.hpp"
#include "controllers/target/deployment_target_status.hpp"
#include "controllers/render/object_diff.hpp"
#include "controllers/workload/workload_sync.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet::controllers;
using namespace labfleet::controllers::testing;
using labfleet::api::v1alpha1::ClusterRef;
using labfleet::api::v1alpha1::DeploymentTarget;
using labfleet::api::v1alpha1::Workload;
using labfleet::kube::Json;

namespace {

DeploymentTarget remote_target(std::string name, std::string cluster, std::string ns) {
    DeploymentTarget t = target(std::move(name), "stg");
    t.spec.target_namespace = std::move(ns);
    t.spec.cluster = ClusterRef{std::move(cluster)};
    return t;
}

/// The desired children of (w, t) as cached in `cluster`, all in sync.
std::vector<CachedChild> cached(const Workload& w, const DeploymentTarget& t, const std::string& cluster) {
    const auto desired = build_desired_objects(w, t, resolve_images(w, t, nullptr));
    auto live = [](const Json& object) {
        Json out = without_absent(object);
        out["metadata"]["uid"] = "uid-" + out["metadata"]["name"].get<std::string>();
        return std::make_shared<const Json>(std::move(out));
    };
    return {{ChildKind::ConfigMap, live(desired.config_map), cluster},
            {ChildKind::Deployment, live(desired.deployment), cluster},
            {ChildKind::Service, live(desired.service), cluster}};
}

} // namespace

TEST_CASE("a remote child carries the workload's uid as a label and no ownerReference", "[controllers][clusters]") {
    const Workload w = workload("intro");
    const DeploymentTarget eu = remote_target("stg-eu", "eu", "labs");
    const auto remote = build_desired_objects(w, eu, resolve_images(w, eu, nullptr));
    for (const Json* object : {&remote.config_map, &remote.deployment, &remote.service}) {
        CHECK_FALSE(object->at("metadata").contains("ownerReferences"));
        CHECK(object->at("metadata").at("labels").at(workload_uid_label) == "uid-intro");
    }
    const DeploymentTarget home = target("stg-home", "stg");
    const auto local = build_desired_objects(w, home, resolve_images(w, home, nullptr));
    CHECK(local.deployment.at("metadata").at("ownerReferences").size() == 1);
    CHECK_FALSE(local.deployment.at("metadata").at("labels").contains(workload_uid_label));
}

TEST_CASE("the same namespace in two clusters holds two sets of children", "[controllers][clusters]") {
    const Workload w = workload("intro");
    const DeploymentTarget eu = remote_target("stg-eu", "eu", "labs");
    const DeploymentTarget us = remote_target("stg-us", "us", "labs");
    WorkloadWorld world;
    world.assigned_targets = {eu, us};
    // Only eu's children exist: us's, same namespace and names, must still be applied, to us.
    world.children = cached(w, eu, "eu");
    const auto sync = plan_workload_sync(w, world);
    REQUIRE(sync.applies.size() == 3);
    for (const auto& apply : sync.applies) CHECK(apply.cluster == "us");
    CHECK(sync.prunes.empty());
}

TEST_CASE("a child left in a cluster no target uses is pruned there", "[controllers][clusters]") {
    const Workload w = workload("intro");
    const DeploymentTarget eu = remote_target("stg-eu", "eu", "labs");
    WorkloadWorld world;
    world.assigned_targets = {eu};
    world.children = cached(w, eu, "eu");
    for (auto& child : cached(w, eu, "us")) world.children.push_back(child);  // same names, another cluster
    const auto sync = plan_workload_sync(w, world);
    CHECK(sync.applies.empty());
    REQUIRE(sync.prunes.size() == 3);
    for (const auto& prune : sync.prunes) CHECK(prune.cluster == "us");
}

TEST_CASE("a target whose cluster cannot be written is neither written nor pruned, and not ready",
          "[controllers][clusters]") {
    const Workload w = workload("intro");
    const DeploymentTarget eu = remote_target("stg-eu", "eu", "labs");
    WorkloadWorld world;
    world.assigned_targets = {eu};
    world.unwritable_targets["stg-eu"] = "cluster eu does not answer";
    Workload changed = w;
    changed.spec.images.workshop.repository = "labs/other";
    world.children = cached(w, eu, "eu");  // what runs is the old version: the plan would apply
    const auto sync = plan_workload_sync(changed, world);
    CHECK(sync.applies.empty());
    CHECK(sync.prunes.empty());
    REQUIRE(sync.targets.size() == 1);
    CHECK_FALSE(sync.targets[0].ready);
    CHECK(sync.targets[0].unwritable == "cluster eu does not answer");
    const auto status = workload_status(changed, sync, {}, {});
    CHECK(status.ready_targets == "0/1");
}

TEST_CASE("one namespace may be used by one target per cluster", "[controllers][clusters]") {
    DeploymentTarget home = target("a", "stg");
    home.spec.target_namespace = "labs";
    DeploymentTarget eu = remote_target("b", "eu", "labs");
    eu.metadata.creation_timestamp = labfleet::kube::WallTime{std::chrono::seconds{1'900'000'000}};
    DeploymentTarget eu_again = remote_target("c", "eu", "labs");
    eu_again.metadata.creation_timestamp = labfleet::kube::WallTime{std::chrono::seconds{2'000'000'000}};
    const auto refusals = target_refusals({home, eu, eu_again}, NamespaceRules{});
    CHECK_FALSE(refusals.contains("a"));
    CHECK_FALSE(refusals.contains("b"));
    REQUIRE(refusals.contains("c"));
    CHECK(refusals.at("c").reason == std::string(namespace_conflict_reason));
}

