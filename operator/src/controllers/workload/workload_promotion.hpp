#pragma once
// WorkloadPromotion: a Workload's promotion seen from its world. Observes
// every assigned target of the promotion's environments in the caches
// (ServedTarget), runs the gate (plan_promotion), and hands the versions it
// gives each target to the rendering. Pure, like workload_sync.

#include <optional>
#include <vector>

#include "api/v1alpha1/workload.hpp"
#include "controllers/promotion/promotion_gate.hpp"
#include "controllers/workload/workload_sync.hpp"

namespace labfleet::controllers {

/// The assigned targets of `workload` whose environment is in its promotion's
/// order, as cached: skipped when paused or holding an Active lease, observed
/// through their files Deployment (observe_deployment).
std::vector<ServedTarget> promotion_targets(const api::v1alpha1::Workload& workload, const WorkloadWorld& world);

/// Plans the promotion of `workload` (nullopt without spec.promotion) and
/// fills `world.promoted` and `world.promotion` from it.
std::optional<PromotionPlan> plan_workload_promotion(const api::v1alpha1::Workload& workload, WorkloadWorld& world,
                                                     kube::WallTime now);

} // namespace labfleet::controllers
