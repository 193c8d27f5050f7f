#pragma once
// EnvironmentLeaseReconciler: the I/O half of the lease controller. Its queue
// key is a DeploymentTarget name: all leases of one target are decided
// together (the work queue never runs one key twice at once, so granting is
// serialized per target). It reads the caches, asks the planner
// (environment_lease_planner) and applies the plan: status writes as PUT
// /status carrying the cached resourceVersion, Events once a write succeeded,
// deletions of expired history, and the labfleet_lease_expiry_lag_seconds
// metric. It requeues the target at its next deadline (the work queue's timer
// heap is the TTL sweeper), at most `backstop` later, in case a watch event
// was missed.
//
// Invariants:
// - A target is never planned from a cache that has not shown the status
//   writes of its previous reconcile (kube::Expectations): a plan from the
//   state before a grant would grant again — the precondition of a write to
//   another lease of the target does not catch it. Past
//   `expectation_timeout`, the leases whose writes are still unseen are read
//   from the API server and the plan uses those.
// - Every lifecycle Event the leases' statuses show (lease_events_shown) is
//   recorded on every reconcile under its fixed name, so a kill between a
//   status write and its Event loses nothing and doubles nothing.
// - A lease deleted outright (no finalizer: GitOps prunes it like anything
//   else) is a release: lease_deleted() keeps its last cached state until
//   the next reconcile of its target records LeaseReleased
//   (departure_events) and plans the target without it. A process that
//   restarts in between has lost that state and records nothing.
// - A lease is deleted after retention only once its name is in its
//   target's served-leases record (served_leases.hpp: a ConfigMap in the
//   operator's namespace that outlives the target; retention runs whether or
//   not the target exists). The record is read from the API server whenever a
//   plan needs it (a lease not yet planned, or a deletion), never from a
//   cache, and written with that read's resourceVersion: no lagging watch can
//   hide a name, and a write that fails deletes nothing.
// - Condition Serving is computed from the caches (the Deployments of the
//   target's namespace, the workloads assigned to it) with
//   environment_lease_serving's definition; the manager requeues a target
//   when a Deployment labelled with it changes.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "controllers/context.hpp"
#include "controllers/lease/environment_lease_planner.hpp"
#include "controllers/lease/served_leases.hpp"
#include "kube/json/json.hpp"
#include "kube/util/logger.hpp"
#include "kube/controller/expectations.hpp"
#include "kube/client/result.hpp"
#include "kube/controller/reconcile.hpp"
#include "kube/cache/store.hpp"

namespace labfleet::controllers {

struct EnvironmentLeaseOptions {
    /// Finished leases are deleted this long after releasedAt.
    std::chrono::milliseconds retention = std::chrono::hours{24};
    /// The longest wait before looking at a target with leases again.
    std::chrono::milliseconds backstop = std::chrono::minutes{5};
    /// The longest wait for the cache to show the reconciler's own status
    /// writes before the leases concerned are read from the API server.
    std::chrono::milliseconds expectation_timeout = std::chrono::seconds{30};
};

class EnvironmentLeaseReconciler final : public kube::Reconciler {
public:
    using Options = EnvironmentLeaseOptions;

    /// `context` must outlive the reconciler.
    explicit EnvironmentLeaseReconciler(Context& context, Options options = {});

    /// `key` is a DeploymentTarget name.
    boost::asio::awaitable<kube::ReconcileResult> reconcile(std::string key) override;
    /// Quarantine (quarantine.hpp): the revision of the target and its leases, and its report.
    std::string revision(const std::string& key) override;
    boost::asio::awaitable<kube::ReconcileResult> quarantined(std::string key, std::string why) override;

    /// The leases cache's delete notification, with the last cached state
    /// (the manager also queues the lease's target).
    void lease_deleted(const kube::Json& lease);

private:
    /// The served-leases record of `target`, read from the API server (empty
    /// with no resourceVersion when there is none yet).
    boost::asio::awaitable<kube::Result<ServedRecord>> read_served_record(std::string target);
    /// Replaces `before` (as read) by `after`: a create when there was no
    /// record, else a merge patch guarded by its resourceVersion.
    boost::asio::awaitable<kube::Status> write_served_record(std::string target, ServedRecord before,
                                                             std::vector<ServedLease> after);

    Context& ctx_;
    Options options_;
    kube::Expectations expectations_;  // keyed by target
    /// Leases deleted since their target's last reconcile, by target.
    std::map<std::string, std::vector<api::v1alpha1::EnvironmentLease>, std::less<>> departed_;
    kube::Logger log_;
};

} // namespace labfleet::controllers
