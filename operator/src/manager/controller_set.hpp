#pragma once
// ControllerSet: Labfleet's four controllers (Workload, SchedulingPolicy,
// DeploymentTarget, EnvironmentLease), their reconcilers and the mapping of
// every cache's changes to the keys each controller must look at.

#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "controllers/context.hpp"
#include "kube/controller/controller.hpp"
#include "kube/metrics/metrics.hpp"
#include "manager/options.hpp"

namespace labfleet::manager {

class ControllerSet {
public:
    /// Registers the cache handlers at once (so no change is missed); workers
    /// run only after start(). `context`, `metrics` and `crash_record` (may
    /// be null: no record) must outlive the set. `abort_in_reconcile`, for
    /// tests only, names "controller:key" whose reconcile aborts the process.
    ControllerSet(boost::asio::any_io_executor executor, controllers::Context& context, kube::RuntimeMetrics& metrics,
                  const RunOptions& options, kube::CrashRecord* crash_record = nullptr,
                  const std::string& abort_in_reconcile = {});
    ~ControllerSet();

    /// Starts every controller's workers and queues every existing object.
    void start();
    /// Shuts the queues down; workers finish their current reconcile.
    void stop();
    /// True until every worker has returned after stop().
    bool running() const { return running_ > 0; }

    /// The caches of one namespace of a remote cluster opened: its changes
    /// reach the controllers as the operator's own cluster's do.
    void watch_children(const controllers::ChildStores& stores);
    /// What reconcilers see of `cluster` changed: its targets, their leases
    /// and their workloads are looked at again.
    void cluster_changed(const std::string& cluster);

private:
    struct Parts;
    boost::asio::any_io_executor executor_;
    controllers::Context& context_;
    std::unique_ptr<Parts> parts_;
    std::vector<kube::Controller*> controllers_;
    int running_ = 0;
};

} // namespace labfleet::manager
