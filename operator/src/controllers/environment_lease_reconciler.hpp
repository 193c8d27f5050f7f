#pragma once
// EnvironmentLeaseReconciler: the I/O half of the lease controller. Its queue
// key is a DeploymentTarget name: all leases of one target are decided
// together (the work queue never runs one key twice at once, so granting is
// serialized per target). It reads the caches, asks the planner
// (environment_lease_planner) and applies the plan: status writes as PUT
// /status carrying the cached resourceVersion (a stale cache gets Conflict and
// a retry after the cache caught up, never a double grant), Events once a
// write succeeded, deletions of expired history, and the
// labfleet_lease_expiry_lag_seconds metric. It requeues the target at its
// next deadline (the work queue's timer heap is the TTL sweeper), at most
// `backstop` later, in case a watch event was missed.

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "controllers/context.hpp"
#include "controllers/environment_lease_planner.hpp"
#include "kube/json/json.hpp"
#include "kube/util/logger.hpp"
#include "kube/controller/reconcile.hpp"
#include "kube/cache/store.hpp"

namespace labfleet::controllers {

struct EnvironmentLeaseOptions {
    /// Finished leases are deleted this long after releasedAt.
    std::chrono::milliseconds retention = std::chrono::hours{24};
    /// The longest wait before looking at a target with leases again.
    std::chrono::milliseconds backstop = std::chrono::minutes{5};
};

class EnvironmentLeaseReconciler final : public kube::Reconciler {
public:
    using Options = EnvironmentLeaseOptions;

    /// `context` must outlive the reconciler.
    explicit EnvironmentLeaseReconciler(Context& context, Options options = {});

    /// `key` is a DeploymentTarget name.
    boost::asio::awaitable<kube::ReconcileResult> reconcile(std::string key) override;

private:
    Context& ctx_;
    Options options_;
    kube::Logger log_;
};

} // namespace labfleet::controllers
