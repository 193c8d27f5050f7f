#include <catch2/catch.hpp>

#include <memory>

#include "controllers/render/object_diff.hpp"
#include "controllers/workload/workload_sync.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet::controllers;
using namespace labfleet::controllers::testing;
using namespace std::chrono_literals;
using labfleet::api::v1alpha1::DeploymentTarget;
using labfleet::api::v1alpha1::EnvironmentLease;
using labfleet::api::v1alpha1::LeasePhase;
using labfleet::api::v1alpha1::Workload;
using labfleet::kube::Json;

namespace {
const labfleet::kube::WallTime t0{std::chrono::seconds{1'700'000'000}};

/// The object as the API server returns it: ours plus its own fields, and a
/// Deployment status with `ready` of the desired replicas rolled out.
Json live_of(Json object, std::int64_t ready) {
    object = without_absent(std::move(object));  // nulls are never sent
    object["metadata"]["uid"] = "uid-" + object["metadata"]["name"].get<std::string>() + "-" +
                                object["metadata"]["namespace"].get<std::string>();
    object["metadata"]["resourceVersion"] = "7";
    object["metadata"]["generation"] = 2;
    object["metadata"]["creationTimestamp"] = "2026-01-02T03:04:05Z";
    if (object["kind"] == "Deployment") {
        object["spec"]["revisionHistoryLimit"] = 10;
        object["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent";
        object["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log";
        object["status"] = {{"observedGeneration", 2},
                            {"replicas", ready},
                            {"updatedReplicas", ready},
                            {"readyReplicas", ready},
                            {"availableReplicas", ready}};
    }
    if (object["kind"] == "Service") {
        object["spec"]["clusterIP"] = "10.0.0.12";
        object["spec"]["type"] = "ClusterIP";
    }
    return object;
}

std::vector<CachedChild> live_children(const Workload& w, const DeploymentTarget& t, std::int64_t ready,
                                       const EnvironmentLease* lease = nullptr) {
    const auto desired = build_desired_objects(w, t, resolve_images(w, t, lease));
    return {{ChildKind::ConfigMap, std::make_shared<const Json>(live_of(desired.config_map, ready))},
            {ChildKind::Deployment, std::make_shared<const Json>(live_of(desired.deployment, ready))},
            {ChildKind::Service, std::make_shared<const Json>(live_of(desired.service, ready))}};
}

void append(std::vector<CachedChild>& to, std::vector<CachedChild> more) {
    to.insert(to.end(), more.begin(), more.end());
}

struct Fleet {
    Workload w = workload("intro");
    DeploymentTarget qa = target("qa-1", "qa");
    DeploymentTarget stg = target("stg-1", "stg");
    WorkloadWorld world;
    Fleet() {
        w.metadata.generation = 3;
        world.assigned_targets = {qa, stg};
    }
};
} // namespace

TEST_CASE("live children as desired: no write at all", "[controllers][workload]") {
    Fleet f;
    append(f.world.children, live_children(f.w, f.qa, 1));
    append(f.world.children, live_children(f.w, f.stg, 1));
    const auto sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.applies.empty());
    CHECK(sync.prunes.empty());
    REQUIRE(sync.targets.size() == 2);
    CHECK(sync.targets[0].in_sync);
    CHECK(sync.targets[0].ready);
    CHECK(sync.targets[1].ready);
}

TEST_CASE("missing children are applied, ConfigMap first", "[controllers][workload]") {
    Fleet f;
    f.world.assigned_targets = {f.qa};
    const auto sync = plan_workload_sync(f.w, f.world);
    REQUIRE(sync.applies.size() == 3);
    CHECK(sync.applies[0].kind == ChildKind::ConfigMap);
    CHECK(sync.applies[1].kind == ChildKind::Deployment);
    CHECK(sync.applies[2].kind == ChildKind::Service);
    CHECK(sync.applies[0].first_difference == "absent");
    CHECK(sync.applies[1].object["metadata"]["namespace"] == "labs-qa-1");
    CHECK_FALSE(sync.targets[0].ready);
}

TEST_CASE("drift on the Deployment is put back, and only it is applied", "[controllers][workload]") {
    Fleet f;
    f.world.assigned_targets = {f.qa};
    f.world.children = live_children(f.w, f.qa, 1);
    Json edited = *f.world.children[1].object;
    SECTION("someone scaled it") { edited["spec"]["replicas"] = 5; }
    SECTION("someone changed the image") {
        edited["spec"]["template"]["spec"]["containers"][0]["image"] = "evil/files:latest";
    }
    SECTION("someone removed the config hash annotation") {
        edited["spec"]["template"]["metadata"]["annotations"].erase("labfleet.dev/config-hash");
    }
    f.world.children[1].object = std::make_shared<const Json>(edited);
    const auto sync = plan_workload_sync(f.w, f.world);
    REQUIRE(sync.applies.size() == 1);
    CHECK(sync.applies[0].kind == ChildKind::Deployment);
    CHECK(sync.applies[0].object["spec"]["replicas"] == 1);
    CHECK_FALSE(sync.targets[0].in_sync);
    CHECK_FALSE(sync.targets[0].ready);
}

TEST_CASE("a new tag on the workload changes image and config, so both are applied", "[controllers][workload]") {
    Fleet f;
    f.w.spec.workshop = {{"files", "${FILES_IMAGE}"}};
    f.world.assigned_targets = {f.qa};
    f.world.children = live_children(f.w, f.qa, 1);
    f.w.spec.images.files.tag = "v2";
    const auto sync = plan_workload_sync(f.w, f.world);
    REQUIRE(sync.applies.size() == 2);  // ConfigMap (IMAGE_TAG) and Deployment; Service unchanged
    CHECK(sync.applies[0].kind == ChildKind::ConfigMap);
    CHECK(sync.applies[1].kind == ChildKind::Deployment);
    CHECK(sync.targets[0].images.files_image == "labs/intro-files:v2");
}

TEST_CASE("the target's Active lease decides the tag, others are ignored", "[controllers][workload]") {
    Fleet f;
    f.world.assigned_targets = {f.qa};
    EnvironmentLease active;
    active.metadata.name = "pr-17";
    active.spec.target = "qa-1";
    active.spec.holder = "alice";
    active.spec.overrides.push_back({"intro", std::nullopt, std::string("pr-17")});
    active.status.phase = LeasePhase::Active;
    EnvironmentLease pending = active;
    pending.metadata.name = "pr-18";
    pending.spec.overrides[0].files_tag = "pr-18";
    pending.status.phase = LeasePhase::Pending;
    f.world.leases = {pending, active};
    const auto sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.targets[0].images.files_image == "labs/intro-files:pr-17");
    CHECK(sync.targets[0].images.source == "lease/pr-17");
}

TEST_CASE("suspend scales to zero and is ready once applied", "[controllers][workload]") {
    Fleet f;
    f.world.assigned_targets = {f.qa};
    f.world.children = live_children(f.w, f.qa, 1);
    f.w.spec.suspend = true;
    auto sync = plan_workload_sync(f.w, f.world);
    REQUIRE(sync.applies.size() == 1);
    CHECK(sync.applies[0].object["spec"]["replicas"] == 0);

    f.world.children = live_children(f.w, f.qa, 0);
    sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.applies.empty());
    CHECK(sync.targets[0].ready);
    const auto status = workload_status(f.w, sync, {}, t0);
    const auto* ready = find_condition(status.conditions, "Ready");
    REQUIRE(ready);
    CHECK(ready->status == "True");
    CHECK(ready->reason == "Suspended");
}

TEST_CASE("children of a target no longer assigned are pruned with their uid", "[controllers][workload]") {
    Fleet f;
    f.world.assigned_targets = {f.qa};
    append(f.world.children, live_children(f.w, f.qa, 1));
    append(f.world.children, live_children(f.w, f.stg, 1));
    const auto sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.applies.empty());
    REQUIRE(sync.prunes.size() == 3);
    for (const auto& prune : sync.prunes) {
        CHECK(prune.target == "stg-1");
        CHECK(prune.key.ns == "labs-stg-1");
        CHECK(prune.uid == "uid-" + prune.key.name + "-labs-stg-1");
    }
}

TEST_CASE("a target moved to another namespace: apply in the new one, prune the old", "[controllers][workload]") {
    Fleet f;
    f.world.children = live_children(f.w, f.qa, 1);
    f.qa.spec.target_namespace = "labs-qa-new";
    f.world.assigned_targets = {f.qa};
    const auto sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.applies.size() == 3);
    REQUIRE(sync.prunes.size() == 3);
    CHECK(sync.prunes[0].key.ns == "labs-qa-1");
}

TEST_CASE("nothing is pruned where ownership is unclear", "[controllers][workload]") {
    Fleet f;
    f.world.assigned_targets = {};
    f.world.children = live_children(f.w, f.stg, 1);
    SECTION("a policy that does not decode could assign it") { f.world.frozen_targets = {"stg-1"}; }
    SECTION("the target does not decode") { f.world.unreadable_targets = {"stg-1"}; }
    SECTION("the target is paused") { f.world.paused_targets = {"stg-1"}; }
    CHECK(plan_workload_sync(f.w, f.world).prunes.empty());
}

TEST_CASE("a paused target is not written to, even when it drifted", "[controllers][workload]") {
    Fleet f;
    f.stg.spec.paused = true;
    f.world.assigned_targets = {f.stg};
    f.world.children = live_children(f.w, f.stg, 1);
    f.w.spec.images.files.tag = "v2";
    const auto sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.applies.empty());
    CHECK(sync.targets[0].paused);
    CHECK_FALSE(sync.targets[0].in_sync);
}

TEST_CASE("children of a workload that is gone are all pruned", "[controllers][workload]") {
    Fleet f;
    const auto prunes = children_of_missing_workload(live_children(f.w, f.qa, 1));
    REQUIRE(prunes.size() == 3);
    CHECK(prunes[1].kind == ChildKind::Deployment);
    CHECK(prunes[1].key.name == "intro-files");
    CHECK(prunes[1].target == "qa-1");
}

TEST_CASE("a target is ready only once its rollout is complete: a stuck new pod beside a ready old one is not",
          "[controllers][workload][status][rollout]") {
    Fleet f;
    f.world.assigned_targets = {f.stg};
    f.world.children = live_children(f.w, f.stg, 1);
    // A 1-replica files Deployment moved to a tag that cannot start: the new
    // pod exists (updatedReplicas 1), the old pod is still the ready one.
    Json stuck = *f.world.children[1].object;
    REQUIRE(stuck["kind"] == "Deployment");
    stuck["status"] = {{"observedGeneration", 2},
                       {"replicas", 2},
                       {"updatedReplicas", 1},
                       {"readyReplicas", 1},
                       {"availableReplicas", 1},
                       {"unavailableReplicas", 1}};
    f.world.children[1].object = std::make_shared<const Json>(stuck);

    const auto sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.applies.empty());  // the spec is as desired: only the rollout is stuck
    CHECK_FALSE(sync.targets[0].ready);
    const auto status = workload_status(f.w, sync, {}, t0);
    CHECK(status.ready_targets == "0/1");
    CHECK(status.targets[0].ready_replicas == 1);
    const auto* ready = find_condition(status.conditions, "Ready");
    const auto* progressing = find_condition(status.conditions, "Progressing");
    REQUIRE(ready);
    REQUIRE(progressing);
    CHECK(ready->status == "False");
    CHECK(ready->message == "0/1 targets ready; waiting for stg-1 (1/1 ready; 1 old replicas still running)");
    CHECK(progressing->status == "True");
    CHECK(progressing->reason == "RollingOut");
    CHECK(kstatus(f.w.metadata.generation, status.observed_generation, status.conditions) == "InProgress");

    SECTION("the old pod gone, the new one still not available: not ready either") {
        stuck["status"] = {{"observedGeneration", 2}, {"replicas", 1}, {"updatedReplicas", 1},
                           {"readyReplicas", 0}, {"availableReplicas", 0}};
        f.world.children[1].object = std::make_shared<const Json>(stuck);
        const auto after = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
        CHECK(find_condition(after.conditions, "Ready")->status == "False");
        CHECK(find_condition(after.conditions, "Progressing")->reason == "RollingOut");
    }
    SECTION("the new pod available and the old one gone: Ready, Progressing Complete") {
        stuck["status"] = {{"observedGeneration", 2}, {"replicas", 1}, {"updatedReplicas", 1},
                           {"readyReplicas", 1}, {"availableReplicas", 1}};
        f.world.children[1].object = std::make_shared<const Json>(stuck);
        const auto after = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
        CHECK(find_condition(after.conditions, "Ready")->status == "True");
        CHECK(find_condition(after.conditions, "Progressing")->reason == "Complete");
        CHECK(kstatus(f.w.metadata.generation, after.observed_generation, after.conditions) == "Current");
    }
}

TEST_CASE("status: targets, ready counting and conditions", "[controllers][workload][status]") {
    Fleet f;
    append(f.world.children, live_children(f.w, f.qa, 1));
    append(f.world.children, live_children(f.w, f.stg, 0));
    const auto sync = plan_workload_sync(f.w, f.world);
    const auto status = workload_status(f.w, sync, {}, t0);
    CHECK(status.observed_generation == 3);
    REQUIRE(status.targets.size() == 2);
    CHECK(status.targets[0].name == "qa-1");
    CHECK(status.targets[0].environment == "qa");
    CHECK(status.targets[0].workshop_image == "labs/intro:prod");
    CHECK(status.targets[0].files_image == "labs/intro-files:prod");
    CHECK(status.targets[0].source == "channel");
    CHECK(status.targets[0].ready_replicas == 1);
    CHECK(status.targets[1].ready_replicas == 0);
    CHECK(status.ready_targets == "1/2");

    const auto* ready = find_condition(status.conditions, "Ready");
    const auto* progressing = find_condition(status.conditions, "Progressing");
    const auto* degraded = find_condition(status.conditions, "Degraded");
    REQUIRE(ready);
    REQUIRE(progressing);
    REQUIRE(degraded);
    CHECK(ready->status == "False");
    CHECK(ready->reason == "RollingOut");  // the reason of Reconciling=True (health.hpp)
    CHECK(ready->message == "1/2 targets ready; waiting for stg-1 (0/1 ready; 0 of 1 replicas updated)");
    CHECK(ready->observed_generation == 3);
    CHECK(progressing->status == "True");
    CHECK(degraded->status == "False");
    for (const auto& condition : status.conditions) {
        CHECK_FALSE(condition.reason.empty());
        CHECK(condition.last_transition_time == t0);
    }
}

TEST_CASE("status: all ready, then nothing to write on the next pass", "[controllers][workload][status]") {
    Fleet f;
    append(f.world.children, live_children(f.w, f.qa, 1));
    append(f.world.children, live_children(f.w, f.stg, 1));
    const auto first = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
    CHECK(find_condition(first.conditions, "Ready")->status == "True");
    CHECK(find_condition(first.conditions, "Progressing")->status == "False");
    CHECK(first.ready_targets == "2/2");
    CHECK(workload_status_changed(f.w.status, first));

    f.w.status = first;  // what the cache shows after our write
    const auto second = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0 + 10min);
    CHECK_FALSE(workload_status_changed(f.w.status, second));
    auto summary_only = second;
    summary_only.ready_targets = "1/2";
    CHECK(workload_status_changed(f.w.status, summary_only));
    CHECK(find_condition(second.conditions, "Ready")->last_transition_time == t0);

    f.w.metadata.generation = 4;  // a spec edit that changes nothing below still bumps observedGeneration
    CHECK(workload_status_changed(f.w.status, workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0)));
}

TEST_CASE("status: no targets is Ready (nothing asked is missing), with the reason", "[controllers][workload][status]") {
    Fleet f;
    f.world.assigned_targets = {};
    const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
    CHECK(status.targets.empty());
    CHECK(status.ready_targets == "0/0");
    CHECK(find_condition(status.conditions, "Ready")->reason == "NoTargets");
    // kstatus reads Ready=False as InProgress: a workload nobody places is Current.
    CHECK(find_condition(status.conditions, "Ready")->status == "True");
    CHECK(find_condition(status.conditions, "Progressing")->status == "False");
    CHECK(find_condition(status.conditions, "Reconciling")->status == "False");
    CHECK(find_condition(status.conditions, "Stalled")->status == "False");
}

TEST_CASE("status: terminal write errors make the workload Degraded", "[controllers][workload][status]") {
    Fleet f;
    f.world.assigned_targets = {f.qa};
    const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world),
                                        {"apply Deployment labs-qa-1/intro-files: Forbidden (403)"}, t0);
    const auto* degraded = find_condition(status.conditions, "Degraded");
    CHECK(degraded->status == "True");
    CHECK(degraded->reason == "ApplyFailed");
    CHECK(degraded->message == "apply Deployment labs-qa-1/intro-files: Forbidden (403)");
}

TEST_CASE("status: an invalid spec is Degraded with the field, targets kept", "[controllers][workload][status]") {
    Fleet f;
    f.w.status.targets = {{"qa-1", "qa", "a", "b", "channel", 1}};
    f.w.status.conditions = merge_conditions({}, {{"Degraded", "False", "AsExpected", "no errors"}}, 2, t0);
    const auto status =
        invalid_workload_status(f.w.status, 3, {"InvalidSpec", "spec.overrides[0].target: must not be empty"}, t0 + 1h);
    CHECK(status.observed_generation == 3);
    CHECK(status.targets == f.w.status.targets);
    const auto* degraded = find_condition(status.conditions, "Degraded");
    CHECK(degraded->status == "True");
    CHECK(degraded->reason == "InvalidSpec");
    CHECK(degraded->message == "spec.overrides[0].target: must not be empty");
    CHECK(degraded->last_transition_time == t0 + 1h);
    CHECK(find_condition(status.conditions, "Ready")->status == "False");
    CHECK(workload_status_changed(f.w.status, status));
    CHECK(find_condition(status.conditions, "Stalled")->status == "True");
    CHECK(find_condition(status.conditions, "Stalled")->reason == "InvalidSpec");
    CHECK(find_condition(status.conditions, "Reconciling")->status == "False");
    CHECK_FALSE(workload_status_changed(
        status, invalid_workload_status(status, 3, {"InvalidSpec", degraded->message}, t0 + 2h)));
}

TEST_CASE("pod settings that conflict on one target: nothing applied there, Degraded names them",
          "[controllers][workload][pod]") {
    Fleet f;
    append(f.world.children, live_children(f.w, f.qa, 1));
    append(f.world.children, live_children(f.w, f.stg, 1));
    // qa-1 caps memory below what the workload asks for; stg-1 has no cap.
    f.qa.spec.pod.resources.limits = {{"memory", labfleet::api::v1alpha1::parse_quantity("128Mi").value()}};
    f.w.spec.pod.resources.requests = {{"memory", labfleet::api::v1alpha1::parse_quantity("256Mi").value()}};
    f.world.assigned_targets = {f.qa, f.stg};
    const auto sync = plan_workload_sync(f.w, f.world);
    REQUIRE(sync.targets.size() == 2);
    CHECK(sync.targets[0].pod_settings_conflicts.size() == 1);
    CHECK_FALSE(sync.targets[0].ready);
    CHECK(sync.targets[1].pod_settings_conflicts.empty());
    REQUIRE(sync.applies.size() == 1);  // stg-1's Deployment gets the request; qa-1 keeps what runs
    CHECK(sync.applies[0].object["metadata"]["namespace"] == "labs-stg-1");
    CHECK(sync.applies[0].kind == ChildKind::Deployment);

    const auto status = workload_status(f.w, sync, {}, t0);
    const auto* degraded = find_condition(status.conditions, "Degraded");
    CHECK(degraded->status == "True");
    CHECK(degraded->reason == "InvalidPodSettings");
    CHECK(degraded->message == "target qa-1: spec.pod.resources.requests.memory 256Mi of Workload intro exceeds "
                               "spec.pod.resources.limits.memory 128Mi of DeploymentTarget qa-1");
    CHECK(find_condition(status.conditions, "Ready")->status == "False");
}

TEST_CASE("pod settings on the target reach the Deployment and then stay quiet", "[controllers][workload][pod]") {
    Fleet f;
    f.world.assigned_targets = {f.qa};
    f.world.children = live_children(f.w, f.qa, 1);
    f.qa.spec.pod.resources.limits = {{"cpu", labfleet::api::v1alpha1::parse_quantity("0.5").value()},
                                      {"memory", labfleet::api::v1alpha1::parse_quantity("128Mi").value()}};
    f.world.assigned_targets = {f.qa};
    auto sync = plan_workload_sync(f.w, f.world);
    REQUIRE(sync.applies.size() == 1);
    CHECK(sync.applies[0].kind == ChildKind::Deployment);
    CHECK(sync.applies[0].object["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] == "500m");
    CHECK(sync.applies[0].object["metadata"]["annotations"]["labfleet.dev/pod-settings-hash"].is_string());

    // Once applied (the server keeps the texts as rendered), nothing more to write.
    f.world.children = live_children(f.w, f.qa, 1);
    sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.applies.empty());
    CHECK(sync.targets[0].ready);
}

TEST_CASE("applies never send a null: settings taken away are left out", "[controllers][workload][pod]") {
    Fleet f;
    f.qa.spec.pod.node_selector = {{"node-pool", "workshops"}};
    f.world.assigned_targets = {f.qa};
    f.world.children = live_children(f.w, f.qa, 1);  // applied with the node selector
    f.qa.spec.pod = {};
    f.world.assigned_targets = {f.qa};
    const auto sync = plan_workload_sync(f.w, f.world);
    REQUIRE(sync.applies.size() == 1);
    const Json& deployment = sync.applies[0].object;
    CHECK(sync.applies[0].first_difference == "metadata.annotations.labfleet.dev/pod-settings-hash");
    CHECK_FALSE(deployment["metadata"].contains("annotations"));  // the hash goes away with the settings
    CHECK_FALSE(deployment["spec"]["template"]["spec"].contains("nodeSelector"));
    CHECK(deployment.dump().find("null") == std::string::npos);
}

TEST_CASE("status: an unknown placeholder is named with its field, objects still applied",
          "[controllers][workload][status]") {
    // Issue 15, item 15: a typo such as ${WORKSHOP_IMAGES} was rendered as is and nothing said so.
    Fleet f;
    f.world.assigned_targets = {f.qa};
    f.w.spec.workshop = {{"title", "Lab ${FOO}"}, {"session", {{"images", {"${WORKSHOP_IMAGES}"}}}}};
    const auto sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.applies.size() == 3);
    const auto status = workload_status(f.w, sync, {}, t0);
    const auto* resolved = find_condition(status.conditions, "PlaceholdersResolved");
    REQUIRE(resolved != nullptr);
    CHECK(resolved->status == "False");
    CHECK(resolved->reason == "UnknownPlaceholder");
    CHECK(resolved->message.find("${FOO} in spec.workshop.title") != std::string::npos);
    CHECK(resolved->message.find("${WORKSHOP_IMAGES} in spec.workshop.session.images[0]") != std::string::npos);
    CHECK(find_condition(status.conditions, "Degraded")->status == "False");

    f.w.spec.workshop = {{"title", "Lab on ${ENVIRONMENT}"}};
    const auto fixed = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
    CHECK(find_condition(fixed.conditions, "PlaceholdersResolved")->status == "True");
}

TEST_CASE("an unreadable policy freezes only the targets it could assign", "[controllers][workload]") {
    Fleet f;
    f.world.assigned_targets = {};
    append(f.world.children, live_children(f.w, f.qa, 1));
    append(f.world.children, live_children(f.w, f.stg, 1));
    f.world.frozen_targets = {"qa-1"};
    const auto sync = plan_workload_sync(f.w, f.world);
    REQUIRE(sync.prunes.size() == 3);
    for (const auto& prune : sync.prunes) CHECK(prune.target == "stg-1");
}

TEST_CASE("a namespace handed to another target: the Deployment is replaced, the rest applied",
          "[controllers][workload]") {
    Fleet f;
    f.world.children = live_children(f.w, f.stg, 1);
    DeploymentTarget stg2 = target("stg-2", "stg");
    stg2.spec.target_namespace = f.stg.spec.target_namespace;
    f.world.assigned_targets = {stg2};
    const auto sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.prunes.empty());
    REQUIRE(sync.replaces.size() == 1);
    CHECK(sync.replaces[0].kind == ChildKind::Deployment);
    CHECK(sync.replaces[0].uid == "uid-intro-files-labs-stg-1");
    REQUIRE(sync.applies.size() == 2);  // the selector is immutable: never applied over
    CHECK(sync.applies[0].kind == ChildKind::ConfigMap);
    CHECK(sync.applies[1].kind == ChildKind::Service);
    CHECK(sync.applies[1].object["spec"]["selector"][target_label] == "stg-2");
    CHECK_FALSE(sync.applies[1].absent_from_cache);

    SECTION("once gone it is created with the new selector") {
        std::erase_if(f.world.children, [](const CachedChild& c) { return c.kind == ChildKind::Deployment; });
        const auto next = plan_workload_sync(f.w, f.world);
        CHECK(next.replaces.empty());
        REQUIRE(next.applies.size() == 3);
        CHECK(next.applies[1].kind == ChildKind::Deployment);
        CHECK(next.applies[1].absent_from_cache);
    }
}

TEST_CASE("a cached child controlled by something else is never applied over", "[controllers][workload]") {
    Fleet f;
    f.world.assigned_targets = {f.qa};
    f.world.children = live_children(f.w, f.qa, 1);
    Json foreign = *f.world.children[1].object;
    foreign["metadata"]["ownerReferences"] = {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "x"},
                                               {"uid", "u-x"}, {"controller", true}}};
    foreign["spec"]["replicas"] = 5;
    f.world.children[1].object = std::make_shared<const Json>(foreign);
    const auto sync = plan_workload_sync(f.w, f.world);
    CHECK(sync.applies.empty());
    CHECK(sync.replaces.empty());
    REQUIRE(sync.targets[0].not_owned.size() == 1);
    CHECK(sync.targets[0].not_owned[0] ==
          "Deployment labs-qa-1/intro-files: controlled by ReplicaSet x (uid u-x)");
    const auto status = workload_status(f.w, sync, {}, t0);
    const auto* degraded = labfleet::api::v1alpha1::find_condition(status.conditions, "Degraded");
    REQUIRE(degraded);
    CHECK(degraded->status == "True");
    CHECK(degraded->reason == "ObjectNotOwned");
    CHECK(degraded->message.find("Deployment labs-qa-1/intro-files") != std::string::npos);
}

TEST_CASE("not_ours: only what Labfleet created for this workload is ours", "[controllers][workload]") {
    const Workload w = workload("x");
    Json live = {{"metadata", {{"name", "x-files"}, {"namespace", "n"},
                               {"labels", {{managed_by_label, managed_by_value}, {workload_label, "x"}}},
                               {"ownerReferences", {{{"apiVersion", "labfleet.dev/v1alpha1"}, {"kind", "Workload"},
                                                     {"name", "x"}, {"uid", "uid-x"}, {"controller", true}}}},
                               {"managedFields", {{{"manager", "labfleet"}, {"operation", "Apply"}}}}}}};
    CHECK_FALSE(not_ours(live, w));

    Json unlabelled = live;
    unlabelled["metadata"].erase("labels");
    CHECK(not_ours(unlabelled, w) == "not labelled app.kubernetes.io/managed-by=labfleet");

    Json other_workload = live;
    other_workload["metadata"]["labels"][workload_label] = "y";
    CHECK(not_ours(other_workload, w) == "labelled labfleet.dev/workload=y, not x");

    Json other_uid = live;
    other_uid["metadata"]["ownerReferences"][0]["uid"] = "uid-old";
    CHECK(not_ours(other_uid, w).has_value());

    Json written_by_others = live;
    written_by_others["metadata"]["managedFields"] = {{{"manager", "kubectl-client-side-apply"}}};
    CHECK(not_ours(written_by_others, w) == "no field of it was written by field manager labfleet");
}

namespace {
/// kstatus of a workload status computed for `w`, with the True health condition: "Current Ready/TargetsReady".
std::string health_of(const Workload& w, const labfleet::api::v1alpha1::WorkloadStatus& status) {
    return kstatus(w.metadata.generation, status.observed_generation, status.conditions) + " " +
           health_reason(status.conditions);
}
} // namespace

TEST_CASE("workload health per phase (kstatus): rolling out, ready, suspended, unplaced, stalled",
          "[controllers][workload][status][health]") {
    Fleet f;
    f.world.assigned_targets = {f.qa, f.stg};
    SECTION("nothing applied yet: Reconciling RollingOut") {
        const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
        CHECK(health_of(f.w, status) == "InProgress Reconciling/RollingOut");
        CHECK(find_condition(status.conditions, "Progressing")->status == "True");  // kept beside it
    }
    SECTION("applied but one target not yet available: still RollingOut") {
        append(f.world.children, live_children(f.w, f.qa, 1));
        append(f.world.children, live_children(f.w, f.stg, 0));
        const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
        CHECK(health_of(f.w, status) == "InProgress Reconciling/RollingOut");
        CHECK(find_condition(status.conditions, "Reconciling")->message.find("stg-1 (0/1 ready") != std::string::npos);
    }
    SECTION("every target rolled out and available: Ready") {
        append(f.world.children, live_children(f.w, f.qa, 1));
        append(f.world.children, live_children(f.w, f.stg, 1));
        const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
        CHECK(health_of(f.w, status) == "Current Ready/TargetsReady");
    }
    SECTION("suspended at zero replicas: Ready Suspended") {
        f.w.spec.suspend = true;
        append(f.world.children, live_children(f.w, f.qa, 0));
        append(f.world.children, live_children(f.w, f.stg, 0));
        const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
        CHECK(health_of(f.w, status) == "Current Ready/Suspended");
    }
    SECTION("no target placed: Current, nothing to wait for") {
        f.world.assigned_targets = {};
        const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
        CHECK(health_of(f.w, status) == "Current Ready/NoTargets");
    }
    SECTION("an unknown placeholder: Stalled, even once rolled out") {
        f.w.spec.workshop = {{"title", "Lab ${FOO}"}};
        append(f.world.children, live_children(f.w, f.qa, 1));
        append(f.world.children, live_children(f.w, f.stg, 1));
        const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
        CHECK(health_of(f.w, status) == "Failed Stalled/UnknownPlaceholder");
        CHECK(find_condition(status.conditions, "Ready")->status == "False");
    }
    SECTION("an object in the way that is not Labfleet's: Stalled ObjectNotOwned, not Reconciling") {
        auto children = live_children(f.w, f.qa, 1);
        Json foreign = *children[1].object;
        foreign["metadata"]["labels"].erase("app.kubernetes.io/managed-by");
        children[1].object = std::make_shared<const Json>(foreign);
        append(f.world.children, children);
        const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
        CHECK(health_of(f.w, status) == "Failed Stalled/ObjectNotOwned");
    }
    SECTION("a refused apply: Stalled ApplyFailed") {
        const auto status = workload_status(f.w, plan_workload_sync(f.w, f.world),
                                            {"apply Deployment labs-qa-1/intro-files: Forbidden (403)"}, t0);
        CHECK(health_of(f.w, status) == "Failed Stalled/ApplyFailed");
        CHECK(find_condition(status.conditions, "Stalled")->message ==
              "apply Deployment labs-qa-1/intro-files: Forbidden (403)");
    }
    SECTION("an invalid spec: Stalled InvalidSpec") {
        const auto status = invalid_workload_status(f.w.status, f.w.metadata.generation,
                                                    {"InvalidSpec", "spec.images.files.tag: not a tag"}, t0);
        CHECK(health_of(f.w, status) == "Failed Stalled/InvalidSpec");
    }
}

TEST_CASE("workload health: every condition describes the generation read, also those kept",
          "[controllers][workload][status][health]") {
    Fleet f;
    f.world.assigned_targets = {f.qa};
    f.w.metadata.generation = 4;
    f.w.status = workload_status(f.w, plan_workload_sync(f.w, f.world), {}, t0);
    f.w.metadata.generation = 5;
    const auto invalid = invalid_workload_status(f.w.status, 5, {"InvalidSpec", "spec.x: bad"}, t0 + 1s);
    CHECK(find_condition(invalid.conditions, "PlaceholdersResolved")->observed_generation == 5);
    CHECK(kstatus(5, invalid.observed_generation, invalid.conditions) == "Failed");
}

TEST_CASE("not_ours: a child in another cluster must carry this installation's label", "[controllers][workload][clusters]") {
    const Workload w = workload("x");
    Json live = {{"metadata", {{"labels", {{"app.kubernetes.io/managed-by", "labfleet"},
                                          {"labfleet.dev/workload", w.metadata.name},
                                          {"labfleet.dev/installation", "home-uid"}}}}}};
    CHECK_FALSE(not_ours(live, w, "home-uid"));
    CHECK(not_ours(live, w, "other-home") ==
          "labelled labfleet.dev/installation=home-uid (another Labfleet installation)");
    live["metadata"]["labels"].erase("labfleet.dev/installation");
    CHECK(not_ours(live, w, "home-uid") == "not labelled labfleet.dev/installation=home-uid");
    CHECK_FALSE(not_ours(live, w));  // at home no installation label is asked for
}
