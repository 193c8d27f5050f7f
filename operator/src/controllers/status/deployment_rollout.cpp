#include "controllers/status/deployment_rollout.hpp"

namespace labfleet::controllers {

namespace {

std::int64_t integer_at(const kube::Json& object, const char* pointer) {
    const kube::Json::json_pointer at(pointer);
    if (!object.contains(at)) return 0;
    const kube::Json& value = object.at(at);
    return value.is_number_integer() ? value.get<std::int64_t>() : 0;
}

} // namespace

RolloutProgress rollout_progress(const kube::Json& deployment, std::int64_t replicas) {
    const std::int64_t generation = integer_at(deployment, "/metadata/generation");
    if (integer_at(deployment, "/status/observedGeneration") < generation)
        return {RolloutStage::NotObserved,
                "generation " + std::to_string(generation) + " not yet observed by the Deployment controller"};
    const std::int64_t updated = integer_at(deployment, "/status/updatedReplicas");
    const std::int64_t total = integer_at(deployment, "/status/replicas");
    if (total > updated)
        return {RolloutStage::OldReplicasLeft, std::to_string(total - updated) + " old replicas still running"};
    if (updated < replicas)
        return {RolloutStage::Updating,
                std::to_string(updated) + " of " + std::to_string(replicas) + " replicas updated"};
    const std::int64_t available = integer_at(deployment, "/status/availableReplicas");
    if (available < updated)
        return {RolloutStage::Unavailable,
                std::to_string(available) + " of " + std::to_string(updated) + " updated replicas available"};
    return {RolloutStage::Complete, {}};
}

} // namespace labfleet::controllers
