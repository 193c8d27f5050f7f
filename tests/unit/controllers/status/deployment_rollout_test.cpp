#include <catch2/catch.hpp>

#include "controllers/status/deployment_rollout.hpp"

using namespace labfleet::controllers;
using labfleet::kube::Json;

namespace {

/// A Deployment at generation 3 whose status shows the given counters.
Json deployment(std::int64_t observed, std::int64_t replicas, std::int64_t updated, std::int64_t ready,
                std::int64_t available) {
    return {{"metadata", {{"generation", 3}}},
            {"status",
             {{"observedGeneration", observed},
              {"replicas", replicas},
              {"updatedReplicas", updated},
              {"readyReplicas", ready},
              {"availableReplicas", available}}}};
}

} // namespace

TEST_CASE("a rollout is complete when seen, with no old replica left and the updated ones available",
          "[controllers][rollout]") {
    CHECK(rollout_progress(deployment(3, 2, 2, 2, 2), 2).complete());
    CHECK(rollout_progress(deployment(3, 2, 2, 2, 2), 2).missing.empty());

    const RolloutProgress unseen = rollout_progress(deployment(2, 2, 2, 2, 2), 2);
    CHECK(unseen.stage == RolloutStage::NotObserved);
    CHECK(unseen.missing == "generation 3 not yet observed by the Deployment controller");
    CHECK_FALSE(unseen.old_replicas_gone());

    const RolloutProgress short_of_replicas = rollout_progress(deployment(3, 2, 2, 2, 2), 3);
    CHECK(short_of_replicas.stage == RolloutStage::Updating);
    CHECK(short_of_replicas.missing == "2 of 3 replicas updated");
    CHECK(short_of_replicas.old_replicas_gone());

    const RolloutProgress unavailable = rollout_progress(deployment(3, 1, 1, 0, 0), 1);
    CHECK(unavailable.stage == RolloutStage::Unavailable);
    CHECK(unavailable.missing == "0 of 1 updated replicas available");
    CHECK(unavailable.old_replicas_gone());

    // Nothing asked, nothing running: a Deployment scaled to zero.
    CHECK(rollout_progress(Json{{"metadata", {{"generation", 1}}}, {"status", {{"observedGeneration", 1}}}}, 0)
              .complete());
}

TEST_CASE("a stuck rollout of one replica is not complete while the old pod is the ready one",
          "[controllers][rollout]") {
    // The new pod exists but cannot start (an image that cannot be pulled);
    // readyReplicas 1 and availableReplicas 1 are the old pod's.
    const RolloutProgress stuck = rollout_progress(deployment(3, 2, 1, 1, 1), 1);
    CHECK_FALSE(stuck.complete());
    CHECK(stuck.stage == RolloutStage::OldReplicasLeft);
    CHECK(stuck.missing == "1 old replicas still running");
    CHECK_FALSE(stuck.old_replicas_gone());

    // Old pods ready during an ordinary rollout of two replicas count for nothing either.
    CHECK(rollout_progress(deployment(3, 3, 1, 2, 2), 2).stage == RolloutStage::OldReplicasLeft);
}
