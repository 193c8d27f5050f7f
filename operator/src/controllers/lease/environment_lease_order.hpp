#pragma once
// The two orders of a target's leases, each defined once and used by every
// reader of the lease caches (the lease planner, the target's status, tag
// resolution):
// - the queue: who is granted next;
// - the holder: which Active lease holds the target, should the statuses
//   ever show two (the planner then requeues the others).

#include <string_view>
#include <vector>

#include "api/v1alpha1/environment_lease.hpp"

namespace labfleet::controllers {

/// FIFO order of a target's queue: creationTimestamp, then name. The API
/// server stamps creationTimestamp in whole seconds, so leases created in
/// the same second are served in name order; names are unique, so the order
/// is total and the same for every replica and restart. A lease without
/// creationTimestamp (never from the API server) goes last.
bool lease_queue_before(const api::v1alpha1::EnvironmentLease& a, const api::v1alpha1::EnvironmentLease& b);

/// Order among Active leases of one target: the earliest status.acquiredAt
/// holds it (one without acquiredAt goes last), then the queue order.
bool lease_holds_before(const api::v1alpha1::EnvironmentLease& a, const api::v1alpha1::EnvironmentLease& b);

/// The lease holding `target`: the first by lease_holds_before among those
/// whose status.phase is Active and spec.target is `target`; null when none.
const api::v1alpha1::EnvironmentLease* active_lease_of(const std::vector<api::v1alpha1::EnvironmentLease>& leases,
                                                       std::string_view target);

} // namespace labfleet::controllers
