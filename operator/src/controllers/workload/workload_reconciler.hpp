#pragma once
// WorkloadReconciler: keeps the ConfigMap, Deployment and Service of every
// (workload, target) pair as desired, prunes those of pairs that went away,
// and reports per-target images and readiness in the Workload's status.
// Reads only the caches; writes nothing when the world is already as desired.
// The decisions live in workload_sync (pure); this class performs them.
//
// A workload with children in other clusters carries the finalizer
// labfleet.dev/remote-objects (remote_finalizer.hpp): once it is deleted, its
// children there are deleted before it goes. Those left behind in a cluster
// that did not answer within the grace are pruned when the cluster answers
// again (cluster_changed queues every workload with children cached there,
// and a missing workload's children are pruned).
//
// Read-your-writes: once a reconcile has created children, the workload is
// not planned again until the caches show them (kube::Expectations, bounded
// by a timeout); a plan made in between would find them absent and write them
// again.

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "controllers/context.hpp"
#include "controllers/promotion/promotion_gate.hpp"
#include "controllers/workload/workload_sync.hpp"
#include "kube/controller/expectations.hpp"
#include "kube/controller/reconcile.hpp"
#include "kube/util/logger.hpp"

namespace labfleet::controllers {

class WorkloadReconciler final : public kube::Reconciler {
public:
    /// `context`'s members must outlive the reconciler.
    explicit WorkloadReconciler(Context context);

    /// `key` is the workload's name.
    boost::asio::awaitable<kube::ReconcileResult> reconcile(std::string key) override;
    /// Quarantine (quarantine.hpp): the revision of the workload, and its report.
    std::string revision(const std::string& key) override;
    boost::asio::awaitable<kube::ReconcileResult> quarantined(std::string key, std::string why) override;
    /// Child `child` labelled with workload `key` entered a cache: its create
    /// stops being held for the workload's next reconcile, which may wait
    /// behind the whole fleet's while it converges.
    void child_cached(const std::string& key, const kube::ObjectKey& child) { created_.drop_observed(key, child); }

private:
    boost::asio::awaitable<kube::ReconcileResult> reconcile_missing(std::string name);
    /// A deleted workload carrying the finalizer: deletes its children in other
    /// clusters, then lets go. `workload` is absent when the object does not decode.
    boost::asio::awaitable<kube::ReconcileResult> finalize(kube::ObjectPtr object, api::v1alpha1::ObjectMeta metadata,
                                                           std::optional<api::v1alpha1::Workload> workload);
    boost::asio::awaitable<kube::ReconcileResult> reconcile_invalid(kube::ObjectPtr object, SpecProblem problem);
    /// Reads the object at `key` whose name a create-only apply found taken: ""
    /// when it is Labfleet's (not_ours) or gone again, why it is someone else's
    /// otherwise, nullopt when the read failed (appended to `errors`).
    boost::asio::awaitable<std::optional<std::string>> foreign_object(kube::Client& client, ChildKind kind,
                                                                      kube::ObjectKey key,
                                                                      api::v1alpha1::Workload workload,
                                                                      std::vector<std::string>* errors);
    /// Deletes each child with its uid as precondition, in its cluster;
    /// failures are appended to `errors`. A child in a cluster that cannot
    /// be written to now (its target gone, the cluster down or changed) is
    /// left where it is.
    boost::asio::awaitable<void> prune(std::vector<ChildPrune> prunes, std::vector<std::string>* errors);
    /// Where a child of `cluster` labelled with target `target` is written or deleted.
    ClusterAccess access_for_child(const std::string& cluster, const std::string& target) const;
    /// labfleet_workload_image_info of the workload's pairs (all of them: pairs gone are dropped).
    void publish_images(const std::string& workload, const std::vector<TargetOutcome>& targets);
    void forget_images(const std::string& workload);
    /// The promotion's Events (once `recorded`: its status is written) and metrics.
    void publish_promotion(const kube::Json& object, const std::string& name, const PromotionPlan& plan,
                           const api::v1alpha1::WorkloadStatus& status, bool recorded);

    Context ctx_;
    kube::Expectations created_;  // children created at home, keyed by workload
    kube::Logger log_;
};

} // namespace labfleet::controllers
