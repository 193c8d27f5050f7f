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

#include <vector>

#include "controllers/status/conditions.hpp"
#include "controllers/status/health.hpp"

namespace labfleet::controllers {

/// The health of a valid workload from its `updates` (Ready, Progressing,
/// Degraded, PlaceholdersResolved as workload_status computes them).
Health workload_health(const std::vector<ConditionUpdate>& updates);

} // namespace labfleet::controllers
