#pragma once
// WorkloadHealth: a Workload's Ready, Reconciling and Stalled (health.hpp),
// derived from the conditions workload_status computes, so each fact has one
// definition:
//   Degraded=True (InvalidPodSettings, ObjectNotOwned, ApplyFailed: a refused
//     apply other than a conflict)          Stalled, Degraded's reason and message;
//   PlaceholdersResolved=False              Stalled, reason UnknownPlaceholder;
//   Progressing=True (some placed target does not yet run the desired
//     objects rolled out and available)     Reconciling, reason RollingOut;
//   Ready=True (every placed target does, or is suspended at zero replicas)
//                                           Ready, reason TargetsReady or Suspended;
//   otherwise (no target placed)            Ready, reason NoTargets: nothing is
//                                           asked, so nothing is missing (kstatus
//                                           reads Ready=False as InProgress).
// A promotion in flight then overrides it (promotion_health): Stalled when it
// failed or is blocked, Reconciling while the candidate moves.

#include <vector>

#include "api/v1alpha1/promotion.hpp"

#include "controllers/status/conditions.hpp"
#include "controllers/status/health.hpp"

namespace labfleet::controllers {

/// The health of a valid workload from its `updates` (Ready, Progressing,
/// Degraded, PlaceholdersResolved as workload_status computes them).
Health workload_health(const std::vector<ConditionUpdate>& updates);

/// `health` with a promotion in flight: Stalled (reason PromotionFailed or
/// PromotionBlocked) when it failed or is blocked, unless already Stalled;
/// Reconciling (reason Promoting or AwaitingApproval) while it moves;
/// `health` unchanged once Complete.
Health promotion_health(Health health, const api::v1alpha1::PromotionStatus& promotion);

} // namespace labfleet::controllers
