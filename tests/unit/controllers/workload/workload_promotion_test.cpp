#include <catch2/catch.hpp>

#include <memory>

#include "controllers/render/desired_objects.hpp"
#include "controllers/render/object_diff.hpp"
#include "controllers/workload/workload_promotion.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet::controllers;
using namespace labfleet::controllers::testing;
using namespace std::chrono_literals;
using labfleet::api::v1alpha1::DeploymentTarget;
using labfleet::api::v1alpha1::EnvironmentLease;
using labfleet::api::v1alpha1::EnvironmentState;
using labfleet::api::v1alpha1::LeasePhase;
using labfleet::api::v1alpha1::PromotionSpec;
using labfleet::api::v1alpha1::Version;
using labfleet::api::v1alpha1::Workload;
using labfleet::kube::Json;

namespace {
const labfleet::kube::WallTime t0{std::chrono::seconds{1'700'000'000}};

/// What the pair runs once rolled out with `images`: its three children as applied, the Deployment complete.
std::vector<CachedChild> running(const Workload& w, const DeploymentTarget& t, const ResolvedImages& images) {
    const auto desired = build_desired_objects(w, t, images);
    Json deployment = without_absent(desired.deployment);
    deployment["metadata"]["generation"] = 1;
    deployment["status"] = {{"observedGeneration", 1}, {"replicas", 1}, {"updatedReplicas", 1},
                            {"readyReplicas", 1},      {"availableReplicas", 1}};
    return {{ChildKind::ConfigMap, std::make_shared<const Json>(without_absent(desired.config_map))},
            {ChildKind::Deployment, std::make_shared<const Json>(deployment)},
            {ChildKind::Service, std::make_shared<const Json>(without_absent(desired.service))}};
}

struct Fleet {
    Workload w = workload("intro");
    DeploymentTarget dev = target("dev-1", "dev");
    DeploymentTarget stg = target("stg-1", "stg");
    WorkloadWorld world;
    Fleet() {
        w.metadata.generation = 2;
        w.spec.images.workshop.tag = "1.4.0";
        w.spec.images.files.tag = "1.4.0";
        PromotionSpec promotion;
        promotion.environments = {"dev", "stg"};
        promotion.candidate = {"1.5.0", "1.5.0"};
        promotion.soak = 10s;
        w.spec.promotion = promotion;
        world.assigned_targets = {dev, stg};
    }
    /// Every target running what the workload resolves to now.
    void roll_out() {
        world.children.clear();
        for (const auto& t : world.assigned_targets) {
            const auto found = world.promoted.find(t.metadata.name);
            const auto images = resolve_images(w, t, nullptr, found == world.promoted.end() ? nullptr : &found->second);
            for (auto& child : running(w, t, images)) world.children.push_back(std::move(child));
        }
    }
    /// One reconcile at `now`: the promotion, the sync and the status it writes.
    labfleet::api::v1alpha1::WorkloadStatus reconcile(labfleet::kube::WallTime now) {
        plan_workload_promotion(w, world, now);
        const auto sync = plan_workload_sync(w, world);
        auto status = workload_status(w, sync, {}, now);
        last_sync = sync;
        w.status = status;
        return status;
    }
    WorkloadSync last_sync;
};

std::string condition_reason(const labfleet::api::v1alpha1::WorkloadStatus& status, const std::string& type) {
    for (const auto& condition : status.conditions)
        if (condition.type == type && condition.status == "True") return condition.reason;
    return "";
}
} // namespace

TEST_CASE("a promoted version ranks below overrides and above the pinned tag", "[controllers][promotion]") {
    Fleet f;
    f.reconcile(t0);
    const auto& targets = f.last_sync.targets;
    REQUIRE(targets.size() == 2);
    CHECK(targets[0].images.files_image == "labs/intro-files:1.5.0");
    CHECK(targets[0].images.source == "promoted");
    CHECK(targets[1].images.files_image == "labs/intro-files:1.4.0");  // nothing live: pinned
    CHECK(targets[1].images.source == "pinned");
    // The Deployment records the tags it is rendered with.
    bool annotated = false;
    for (const auto& apply : f.last_sync.applies)
        if (apply.kind == ChildKind::Deployment && apply.object["metadata"]["namespace"] == "labs-dev-1")
            annotated = apply.object["metadata"]["annotations"]["labfleet.dev/files-tag"] == "1.5.0";
    CHECK(annotated);

    f.w.spec.overrides.push_back({std::string("dev"), std::nullopt, std::nullopt, std::string("pr-9")});
    f.reconcile(t0);
    CHECK(f.last_sync.targets[0].images.files.source == "environment");
    CHECK(f.last_sync.targets[0].images.workshop.source == "promoted");
}

TEST_CASE("a workload moves through its environments and is Reconciling until the last serves it",
          "[controllers][promotion]") {
    Fleet f;
    auto status = f.reconcile(t0);
    CHECK(condition_reason(status, "Reconciling") == "Promoting");
    REQUIRE(status.promotion);
    CHECK(status.promotion->summary == "dev 1.5.0 rolling out");

    f.roll_out();  // dev on 1.5.0, stg on 1.4.0, both recorded on their Deployments
    status = f.reconcile(t0 + 1s);
    CHECK(status.promotion->environments[0].state == EnvironmentState::Soaking);
    CHECK(f.world.promoted.at("stg-1") == (Version{"1.4.0", "1.4.0"}));

    status = f.reconcile(t0 + 11s);
    CHECK(f.world.promoted.at("stg-1") == (Version{"1.5.0", "1.5.0"}));
    CHECK(status.promotion->environments[1].state == EnvironmentState::RollingOut);

    f.roll_out();
    status = f.reconcile(t0 + 12s);
    CHECK(status.promotion->phase == labfleet::api::v1alpha1::PromotionPhase::Complete);
    CHECK(condition_reason(status, "Ready") == "TargetsReady");
}

TEST_CASE("a status lost mid-promotion is recovered from the live Deployments", "[controllers][promotion]") {
    Fleet f;
    f.reconcile(t0);
    f.roll_out();
    f.reconcile(t0 + 1s);   // dev soaks
    f.reconcile(t0 + 11s);  // stg given 1.5.0
    REQUIRE(f.world.promoted.at("stg-1") == (Version{"1.5.0", "1.5.0"}));
    f.roll_out();
    f.w.spec.promotion->candidate = {"1.6.0", "1.6.0"};
    f.reconcile(t0 + 20s);  // dev given 1.6.0, stg keeps 1.5.0
    f.roll_out();
    f.w.status.promotion.reset();  // restored from git without its status
    f.world.promoted.clear();
    const auto status = f.reconcile(t0 + 30s);
    CHECK(f.world.promoted.at("dev-1") == (Version{"1.6.0", "1.6.0"}));
    CHECK(f.world.promoted.at("stg-1") == (Version{"1.5.0", "1.5.0"}));  // not the pinned 1.4.0
    CHECK(f.last_sync.applies.empty());
    CHECK(status.promotion->environments[0].state == EnvironmentState::Soaking);
}

TEST_CASE("a target holding a lease keeps what it serves, and gets the promoted version once the lease ends",
          "[controllers][promotion]") {
    Fleet f;
    f.w.spec.promotion->environments = {"dev"};
    DeploymentTarget dev2 = target("dev-2", "dev");
    f.world.assigned_targets = {f.dev, dev2};
    f.w.spec.promotion->candidate = {"1.4.0", "1.4.0"};
    f.reconcile(t0);
    f.roll_out();  // both on 1.4.0
    EnvironmentLease lease;
    lease.metadata.name = "pr-3";
    lease.spec.target = "dev-2";
    lease.spec.holder = "alice";
    lease.spec.overrides.push_back({"other-workload", std::nullopt, std::string("pr-3")});
    lease.status.phase = LeasePhase::Active;
    f.world.leases = {lease};
    f.w.spec.promotion->candidate = {"1.5.0", "1.5.0"};
    f.reconcile(t0 + 1min);
    CHECK(f.last_sync.targets[0].images.files_image == "labs/intro-files:1.5.0");
    CHECK(f.last_sync.targets[1].images.files_image == "labs/intro-files:1.4.0");  // leased: untouched
    for (const auto& apply : f.last_sync.applies) CHECK(apply.object["metadata"]["namespace"] != "labs-dev-2");

    f.world.leases.clear();
    f.reconcile(t0 + 2min);
    CHECK(f.last_sync.targets[1].images.files_image == "labs/intro-files:1.5.0");
}

TEST_CASE("a soak changes the status at most once per tenth of it", "[controllers][promotion]") {
    Fleet f;
    f.w.spec.promotion->soak = 10min;
    f.reconcile(t0);
    f.roll_out();
    auto previous = f.reconcile(t0 + 250ms);
    int writes = 0;
    // A reconcile every 1.5 s through the soak, as Deployment events might bring them.
    for (auto at = t0 + 1750ms; at < t0 + 10min; at += 1500ms) {
        const auto status = f.reconcile(at);
        if (workload_status_changed(previous, status)) ++writes;
        previous = status;
    }
    CHECK(writes <= 10);
    CHECK(writes >= 9);  // the summary does move: 1m/10m ... 9m/10m
    CHECK(previous.promotion->summary == "dev 1.5.0 soaking 9m/10m");
}
