#pragma once
// DeploymentTargetReconciler: makes sure each target's namespace exists
// (created when missing, never deleted) and reports in the target's status
// how many workloads it runs, which lease holds it, how many wait, and
// its health (target_status). A target refused by target_refusals (its
// namespace is denied, or belongs to an older target) is Stalled with that
// reason and its namespace is neither read nor created. Lease statuses belong to
// the EnvironmentLease reconciler; this one only reads them. Writes nothing
// when nothing changed.
//
// A target in another cluster (spec.cluster) carries the finalizer
// labfleet.dev/remote-objects (remote_finalizer.hpp): once the target is
// deleted, this reconciler deletes its objects there (uid preconditions, only
// while the cluster is the one the target recorded), then lets go.

#include <set>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "controllers/context.hpp"
#include "controllers/target/deployment_target_status.hpp"
#include "kube/controller/reconcile.hpp"
#include "kube/util/logger.hpp"

namespace labfleet::controllers {

class DeploymentTargetReconciler final : public kube::Reconciler {
public:
    /// `context`'s members must outlive the reconciler.
    explicit DeploymentTargetReconciler(Context context);

    /// `key` is the target's name.
    boost::asio::awaitable<kube::ReconcileResult> reconcile(std::string key) override;
    /// Quarantine (quarantine.hpp): the revision of the target, and its report.
    std::string revision(const std::string& key) override;
    boost::asio::awaitable<kube::ReconcileResult> quarantined(std::string key, std::string why) override;

    /// How long to wait before looking again at a namespace being deleted
    /// (namespaces are not watched).
    static constexpr std::chrono::seconds terminating_namespace_recheck{5};

private:
    /// A deleted target carrying the finalizer: removes its objects in its cluster, then the finalizer.
    boost::asio::awaitable<kube::ReconcileResult> finalize(kube::ObjectPtr object, api::v1alpha1::DeploymentTarget target);

    Context ctx_;
    kube::Logger log_;
};

} // namespace labfleet::controllers
