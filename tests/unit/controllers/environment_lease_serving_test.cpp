#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "controllers/environment_lease_serving.hpp"

using namespace labfleet;
using namespace labfleet::controllers;
using kube::Json;

namespace {

api::v1alpha1::Workload workload(const std::string& name) {
    api::v1alpha1::Workload out;
    out.metadata.name = name;
    out.spec.images.workshop.repository = "labs/" + name;
    out.spec.images.files.repository = "labs/" + name + "-files";
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

/// A Deployment rolled out with `image`: every replica updated and available.
Json deployment(const std::string& image, std::int64_t replicas = 1) {
    return {{"metadata", {{"name", "api-files"}, {"generation", 3}}},
            {"spec",
             {{"replicas", replicas},
              {"template", {{"spec", {{"containers", Json::array({{{"name", "files"}, {"image", image}}})}}}}}}},
            {"status",
             {{"observedGeneration", 3},
              {"replicas", replicas},
              {"updatedReplicas", replicas},
              {"availableReplicas", replicas}}}};
}

} // namespace

TEST_CASE("a lease's rollouts: every assigned workload, with the image resolved with the lease",
          "[lease_serving]") {
    const auto rollouts =
        lease_rollouts(lease_overriding("api", "pr-7"), target(), {workload("api"), workload("web")});
    REQUIRE(rollouts.size() == 2);
    CHECK(rollouts[0] == LeaseRollout{"api-files", "registry.example/labs/api-files:pr-7", true});
    CHECK(rollouts[1] == LeaseRollout{"web-files", "registry.example/labs/web-files:prod", false});

    SECTION("a base chooses every workload's image: each must be available, the override still wins") {
        auto lease = lease_overriding("api", "pr-7");
        lease.spec.base = "stg";
        const auto based = lease_rollouts(lease, target(), {workload("api"), workload("web")});
        REQUIRE(based.size() == 2);
        CHECK(based[0] == LeaseRollout{"api-files", "registry.example/labs/api-files:pr-7", true});
        CHECK(based[1] == LeaseRollout{"web-files", "registry.example/labs/web-files:stg", true});
    }
}

TEST_CASE("a rollout is done only when the Deployment runs the image, seen, updated and available",
          "[lease_serving]") {
    const LeaseRollout want{"api-files", "r/api-files:pr-7", true};
    CHECK(rollout_pending(want, nullptr) == "api-files: not created yet");

    Json d = deployment("r/api-files:pr-7");
    CHECK(rollout_pending(want, &d) == std::nullopt);

    SECTION("another image (a previous holder's)") {
        d = deployment("r/api-files:pr-6");
        CHECK(rollout_pending(want, &d) == "api-files: runs r/api-files:pr-6, not r/api-files:pr-7");
    }
    SECTION("spec not yet seen by the Deployment controller") {
        d["status"]["observedGeneration"] = 2;
        CHECK(rollout_pending(want, &d)->find("generation 3 not yet observed") != std::string::npos);
    }
    SECTION("old pods still running") {
        d["status"]["replicas"] = 2;
        CHECK(rollout_pending(want, &d) == "api-files: 1 old replicas still running");
    }
    SECTION("updated but not available") {
        d["status"]["availableReplicas"] = 0;
        CHECK(rollout_pending(want, &d) == "api-files: 0 of 1 updated replicas available");
        SECTION("availability is asked only of the workloads the lease overrides") {
            CHECK(rollout_pending({"api-files", "r/api-files:pr-7", false}, &d) == std::nullopt);
        }
    }
    SECTION("not every replica updated") {
        d = deployment("r/api-files:pr-7", 2);
        d["status"]["updatedReplicas"] = 1;
        d["status"]["replicas"] = 1;
        CHECK(rollout_pending(want, &d) == "api-files: 1 of 2 replicas updated");
    }
    SECTION("spec.replicas defaults to 1") {
        d["spec"].erase("replicas");
        CHECK(rollout_pending(want, &d) == std::nullopt);
    }
}

TEST_CASE("Serving names every pending rollout, or says all is served", "[lease_serving]") {
    std::map<std::string, Json> cache{{"api-files", deployment("r/api-files:pr-7")}};
    auto lookup = [&](const std::string& name) -> const Json* {
        const auto found = cache.find(name);
        return found == cache.end() ? nullptr : &found->second;
    };
    const std::vector<LeaseRollout> rollouts{{"api-files", "r/api-files:pr-7", true},
                                             {"web-files", "r/web-files:prod", false}};
    const ServingState pending = serving_state(rollouts, lookup);
    CHECK_FALSE(pending.serving);
    CHECK(pending.reason == "RollingOut");
    CHECK(pending.message == "Still rolling out: web-files: not created yet");

    cache["web-files"] = deployment("r/web-files:prod");
    const ServingState served = serving_state(rollouts, lookup);
    CHECK(served.serving);
    CHECK(served.reason == "Serving");
}
