#pragma once
// StatusWriter: the one way the Workload, DeploymentTarget and
// SchedulingPolicy reconcilers (and the lease reconciler, for leases it
// cannot decode) write a status: nothing when the desired status equals the
// cached one ignoring lastTransitionTime; otherwise a merge patch of
// /status (for a lease, an update of /status with that patch applied to the
// cached object: leases are only ever replaced) carrying the cached
// resourceVersion, so a status computed from a
// stale cache never lands (Conflict, or NotFound for an object gone: a
// requeue, routine churn, not an error); once written, the Warning Event of
// a newly Stalled condition (stalled_event).

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "api/v1alpha1/condition.hpp"
#include "controllers/context.hpp"
#include "kube/client/resource.hpp"
#include "kube/controller/reconcile.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

/// A status to write for one cached object.
struct StatusWrite {
    kube::ResourceType type;
    kube::ObjectPtr object;  // as cached: its key, resourceVersion and the Event's subject
    std::vector<api::v1alpha1::Condition> before;  // conditions as cached
    std::vector<api::v1alpha1::Condition> after;   // conditions as desired
    bool changed = false;                          // desired differs from cached ignoring lastTransitionTime
    kube::Json status;                             // the patch's `status`
};

/// Performs `write`: done when unchanged or written, requeue on a stale cache
/// (Conflict, NotFound), failed otherwise naming the object.
boost::asio::awaitable<kube::ReconcileResult> write_status(Context ctx, StatusWrite write);

} // namespace labfleet::controllers
