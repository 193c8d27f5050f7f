#pragma once
// Deployment rollout: how far a Deployment has got with its current spec, as
// `kubectl rollout status` reads it. The one rule by which both a Workload's
// Ready (workload_sync) and a lease's Serving (environment_lease_serving)
// judge a files Deployment. In order, the first that holds:
//   NotObserved      status.observedGeneration < metadata.generation;
//   OldReplicasLeft  pods of an older template still run (status.replicas > updatedReplicas);
//   Updating         fewer updated replicas than wanted;
//   Unavailable      fewer available replicas than updated ones;
//   Complete         otherwise.
// Invariant: a rollout stuck with its old pod ready and its new pod unable to
// start (updatedReplicas 1, readyReplicas 1 from the old pod) is never
// Complete: readyReplicas counts pods of every template, so it proves nothing
// until no old replica is left.

#include <cstdint>
#include <string>

#include "kube/json/json.hpp"

namespace labfleet::controllers {

enum class RolloutStage { NotObserved, OldReplicasLeft, Updating, Unavailable, Complete };

struct RolloutProgress {
    RolloutStage stage = RolloutStage::NotObserved;
    /// What is missing, e.g. "1 old replicas still running"; empty when Complete.
    std::string missing;

    bool complete() const { return stage == RolloutStage::Complete; }
    /// The controller has seen the spec and no pod of an older template is left.
    bool old_replicas_gone() const { return stage > RolloutStage::OldReplicasLeft; }
};

/// The progress of `deployment` (as cached: metadata.generation and status)
/// towards `replicas` updated and available replicas. Absent counters are 0.
RolloutProgress rollout_progress(const kube::Json& deployment, std::int64_t replicas);

} // namespace labfleet::controllers
