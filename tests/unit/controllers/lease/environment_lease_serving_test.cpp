#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "controllers/render/config_hash.hpp"
#include "controllers/render/desired_objects.hpp"
#include "controllers/lease/environment_lease_serving.hpp"

using namespace labfleet;
using namespace labfleet::controllers;
using kube::Json;

namespace {

api::v1alpha1::Workload workload(const std::string& name) {
    api::v1alpha1::Workload out;
    out.metadata.name = name;
    out.spec.images.workshop.repository = "labs/" + name;
    out.spec.images.files.repository = "labs/" + name + "-files";
    out.spec.workshop = {{"title", name}, {"image", "${WORKSHOP_IMAGE}"}};
    return out;
}

/// lease_rollouts' view of `workloads`, which must outlive it.
std::vector<const api::v1alpha1::Workload*> refs(const std::vector<api::v1alpha1::Workload>& workloads) {
    std::vector<const api::v1alpha1::Workload*> out;
    for (const auto& workload : workloads) out.push_back(&workload);
    return out;
}

api::v1alpha1::DeploymentTarget target() {
    api::v1alpha1::DeploymentTarget out;
    out.metadata.name = "stg";
    out.spec.environment = "stg";
    out.spec.target_namespace = "labs-stg";
    out.spec.registry = "registry.example";
    return out;
}

api::v1alpha1::EnvironmentLease lease_overriding(const std::string& workload, const std::string& tag) {
    api::v1alpha1::EnvironmentLease out;
    out.metadata.name = "pr";
    out.spec.target = "stg";
    out.spec.overrides = {{workload, std::nullopt, tag}};
    return out;
}

const std::string config_hash = "c0ffee";

/// A Deployment rolled out with `image` and pods of config `config_hash`:
/// every replica updated and available.
Json deployment(const std::string& image, std::int64_t replicas = 1) {
    return {{"metadata", {{"name", "api-files"}, {"generation", 3}}},
            {"spec",
             {{"replicas", replicas},
              {"template",
               {{"metadata", {{"annotations", {{config_hash_annotation, config_hash}}}}},
                {"spec", {{"containers", Json::array({{{"name", "files"}, {"image", image}}})}}}}}}},
            {"status",
             {{"observedGeneration", 3},
              {"replicas", replicas},
              {"updatedReplicas", replicas},
              {"availableReplicas", replicas}}}};
}

/// A ConfigMap holding `text` as the workshop definition.
Json config_map(const std::string& text) { return {{"data", {{workshop_config_key, text}}}}; }

/// The rollout of api-files asking `image`, of a config whose text is "config".
LeaseRollout rollout(const std::string& image, bool overridden) {
    return {"api-files", image, overridden, "api-workshop", "r/api:pr-7", sha256_hex("config")};
}

/// The Deployment's pods carry the config hash of "config".
Json deployment_of_config(const std::string& image, std::int64_t replicas = 1) {
    Json d = deployment(image, replicas);
    d["spec"]["template"]["metadata"]["annotations"][config_hash_annotation] = sha256_hex("config");
    return d;
}

} // namespace

TEST_CASE("a lease's rollouts: every assigned workload, with the images resolved with the lease",
          "[lease_serving]") {
    const auto lease = lease_overriding("api", "pr-7");
    const auto rollouts = lease_rollouts(lease, target(), refs({workload("api"), workload("web")}));
    REQUIRE(rollouts.size() == 2);
    CHECK(rollouts[0].deployment == "api-files");
    CHECK(rollouts[0].image == "registry.example/labs/api-files:pr-7");
    CHECK(rollouts[0].overridden);
    CHECK(rollouts[1].deployment == "web-files");
    CHECK(rollouts[1].image == "registry.example/labs/web-files:prod");
    CHECK_FALSE(rollouts[1].overridden);

    SECTION("with the workshop definition rendered with them, as the ConfigMap and the pods carry it") {
        CHECK(rollouts[0].config_map == "api-workshop");
        CHECK(rollouts[0].workshop_image == "registry.example/labs/api:prod");
        const auto desired = build_desired_objects(workload("api"), target(), resolve_images(workload("api"), target(), &lease));
        CHECK(rollouts[0].config_hash == desired.config_hash);
        CHECK(rollouts[0].config_hash == sha256_hex(desired.config_map["data"][workshop_config_key].get<std::string>()));
        CHECK(rollouts[0].config_hash != rollouts[1].config_hash);
    }
    SECTION("a workshop override changes the workshop image rendered, not the files image") {
        api::v1alpha1::EnvironmentLease workshop_only = lease;
        workshop_only.spec.overrides = {{"api", "pr-7", std::nullopt}};
        const auto overridden = lease_rollouts(workshop_only, target(), refs({workload("api")}));
        const auto plain = lease_rollouts(lease_overriding("web", "pr-1"), target(), refs({workload("api")}));
        CHECK(overridden[0].image == plain[0].image);
        CHECK(overridden[0].workshop_image == "registry.example/labs/api:pr-7");
        CHECK(overridden[0].config_hash != plain[0].config_hash);
        CHECK(overridden[0].overridden);
    }
    SECTION("a base chooses every workload's image: each must be available, the override still wins") {
        auto based_lease = lease_overriding("api", "pr-7");
        based_lease.spec.base = "stg";
        const auto based = lease_rollouts(based_lease, target(), refs({workload("api"), workload("web")}));
        REQUIRE(based.size() == 2);
        CHECK(based[0].image == "registry.example/labs/api-files:pr-7");
        CHECK(based[0].overridden);
        CHECK(based[1].image == "registry.example/labs/web-files:stg");
        CHECK(based[1].overridden);
    }
}

TEST_CASE("a rollout is done only when the Deployment runs the image and the config, seen, updated and available",
          "[lease_serving]") {
    const LeaseRollout want = rollout("r/api-files:pr-7", true);
    const Json config = config_map("config");
    CHECK(rollout_pending(want, {nullptr, &config}) == "api-files: not created yet");

    Json d = deployment_of_config("r/api-files:pr-7");
    CHECK(rollout_pending(want, {&d, &config}) == std::nullopt);

    SECTION("another image (a previous holder's)") {
        d = deployment_of_config("r/api-files:pr-6");
        CHECK(rollout_pending(want, {&d, &config}) == "api-files: runs r/api-files:pr-6, not r/api-files:pr-7");
    }
    SECTION("no ConfigMap yet") {
        CHECK(rollout_pending(want, {&d, nullptr}) == "api-workshop: not created yet");
    }
    SECTION("the ConfigMap still holds another workshop definition (a previous holder's workshop image)") {
        const Json previous = config_map("config of another workshop image");
        CHECK(rollout_pending(want, {&d, &previous}) ==
              "api-workshop: does not yet hold the lease's workshop definition (workshop image r/api:pr-7)");
        const Json empty = Json::object();
        CHECK(rollout_pending(want, {&d, &empty}).has_value());
    }
    SECTION("the pods do not carry the config's hash yet") {
        d["spec"]["template"]["metadata"]["annotations"][config_hash_annotation] = sha256_hex("older config");
        CHECK(rollout_pending(want, {&d, &config}) ==
              "api-files: its pods do not yet carry the lease's workshop definition");
        d["spec"]["template"].erase("metadata");
        CHECK(rollout_pending(want, {&d, &config}).has_value());
    }
    SECTION("spec not yet seen by the Deployment controller") {
        d["status"]["observedGeneration"] = 2;
        CHECK(rollout_pending(want, {&d, &config})->find("generation 3 not yet observed") != std::string::npos);
    }
    SECTION("old pods still running") {
        d["status"]["replicas"] = 2;
        CHECK(rollout_pending(want, {&d, &config}) == "api-files: 1 old replicas still running");
        SECTION("even for a workload the lease does not override") {
            CHECK(rollout_pending(rollout("r/api-files:pr-7", false), {&d, &config}) ==
                  "api-files: 1 old replicas still running");
        }
    }
    SECTION("updated but not available") {
        d["status"]["availableReplicas"] = 0;
        CHECK(rollout_pending(want, {&d, &config}) == "api-files: 0 of 1 updated replicas available");
        SECTION("availability is asked only of the workloads the lease overrides") {
            CHECK(rollout_pending(rollout("r/api-files:pr-7", false), {&d, &config}) == std::nullopt);
        }
    }
    SECTION("not every replica updated") {
        d = deployment_of_config("r/api-files:pr-7", 2);
        d["status"]["updatedReplicas"] = 1;
        d["status"]["replicas"] = 1;
        CHECK(rollout_pending(want, {&d, &config}) == "api-files: 1 of 2 replicas updated");
    }
    SECTION("spec.replicas defaults to 1") {
        d["spec"].erase("replicas");
        CHECK(rollout_pending(want, {&d, &config}) == std::nullopt);
    }
}

TEST_CASE("Serving names every pending rollout, or says all is served", "[lease_serving]") {
    std::map<std::string, Json> cache{{"api-files", deployment_of_config("r/api-files:pr-7")},
                                      {"api-workshop", config_map("config")},
                                      {"web-workshop", config_map("config")}};
    auto lookup = [&](const std::string& name) -> const Json* {
        const auto found = cache.find(name);
        return found == cache.end() ? nullptr : &found->second;
    };
    LeaseRollout web = rollout("r/web-files:prod", false);
    web.deployment = "web-files";
    web.config_map = "web-workshop";
    const std::vector<LeaseRollout> rollouts{rollout("r/api-files:pr-7", true), web};
    const ServingState pending = serving_state(rollouts, lookup, lookup);
    CHECK_FALSE(pending.serving);
    CHECK(pending.reason == "RollingOut");
    CHECK(pending.message == "Still rolling out: web-files: not created yet");

    cache["web-files"] = deployment_of_config("r/web-files:prod");
    const ServingState served = serving_state(rollouts, lookup, lookup);
    CHECK(served.serving);
    CHECK(served.reason == "Serving");
}

namespace {

/// The children of `w` on target() as the workload controller renders them
/// for `lease`, rolled out: one replica updated and available.
struct Rendered {
    Json deployment;
    Json config_map;
};
Rendered rendered_for(const api::v1alpha1::Workload& w, const api::v1alpha1::EnvironmentLease* lease) {
    const auto desired = build_desired_objects(w, target(), resolve_images(w, target(), lease));
    Rendered out{desired.deployment, desired.config_map};
    out.deployment["metadata"]["generation"] = 4;
    out.deployment["status"] = {{"observedGeneration", 4},
                                {"replicas", 1},
                                {"updatedReplicas", 1},
                                {"readyReplicas", 1},
                                {"availableReplicas", 1}};
    return out;
}

} // namespace

TEST_CASE("a handover from a lease overriding the workshop image: the next one is not Serving while it is rendered",
          "[lease_serving][handover]") {
    // Lease A borrows stg with api.workshop=pr-7; lease B, next in the queue,
    // asks for another workload and leaves api on its channel.
    api::v1alpha1::EnvironmentLease a = lease_overriding("api", "unused");
    a.metadata.name = "a";
    a.spec.overrides = {{"api", "pr-7", std::nullopt}};
    api::v1alpha1::EnvironmentLease b = lease_overriding("web", "pr-1");
    b.metadata.name = "b";
    const std::vector<api::v1alpha1::Workload> assigned{workload("api"), workload("web")};

    std::map<std::string, Json> cache;
    auto put = [&](const std::string& name, const Rendered& children) {
        cache[name + "-files"] = children.deployment;
        cache[name + "-workshop"] = children.config_map;
    };
    auto lookup = [&](const std::string& name) -> const Json* {
        const auto found = cache.find(name);
        return found == cache.end() ? nullptr : &found->second;
    };
    // A is served: api renders workshop image pr-7.
    put("api", rendered_for(assigned[0], &a));
    put("web", rendered_for(assigned[1], &a));
    REQUIRE(cache["api-workshop"]["data"][workshop_config_key].get<std::string>().find("labs/api:pr-7") !=
            std::string::npos);
    CHECK(serving_state(lease_rollouts(a, target(), refs(assigned)), lookup, lookup).serving);

    // B granted; web rolled out for it, api still as A left it.
    put("web", rendered_for(assigned[1], &b));
    const ServingState handed_over = serving_state(lease_rollouts(b, target(), refs(assigned)), lookup, lookup);
    CHECK_FALSE(handed_over.serving);
    CHECK(handed_over.message ==
          "Still rolling out: api-workshop: does not yet hold the lease's workshop definition "
          "(workshop image registry.example/labs/api:prod)");

    // The ConfigMap rendered for B, the pods not yet rolled.
    const Rendered api_for_b = rendered_for(assigned[0], &b);
    cache["api-workshop"] = api_for_b.config_map;
    CHECK(serving_state(lease_rollouts(b, target(), refs(assigned)), lookup, lookup).message ==
          "Still rolling out: api-files: its pods do not yet carry the lease's workshop definition");

    // The new template applied, A's pod still running beside the new one.
    Json rolling = api_for_b.deployment;
    rolling["status"]["replicas"] = 2;
    cache["api-files"] = rolling;
    CHECK(serving_state(lease_rollouts(b, target(), refs(assigned)), lookup, lookup).message ==
          "Still rolling out: api-files: 1 old replicas still running");

    // A's pod gone: B is served.
    cache["api-files"] = api_for_b.deployment;
    CHECK(serving_state(lease_rollouts(b, target(), refs(assigned)), lookup, lookup).serving);
}
