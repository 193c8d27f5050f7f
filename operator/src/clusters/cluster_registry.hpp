#pragma once
// ClusterRegistry: the remote clusters Labfleet is connected to, kept in step
// with the DeploymentTargets that name them (spec.cluster) and the Secrets
// that register them. A connection opens when the first target names its
// cluster and closes when the last one goes; a changed Secret (a rotated
// credential) replaces it at once. What the reconcilers see of it is
// controllers::RemoteClusters.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "clusters/cluster_connection.hpp"
#include "controllers/clusters/cluster_access.hpp"
#include "kube/cache/store.hpp"
#include "kube/util/clock.hpp"
#include "kube/util/logger.hpp"

namespace labfleet::clusters {

struct RegistryHooks {
    /// A namespace's caches opened in a cluster: the controllers watch them.
    std::function<void(const controllers::ChildStores&)> stores_opened;
    /// What reconcilers would see of `cluster` changed (state, identity,
    /// credentials, registration): its targets are reconciled again.
    std::function<void(const std::string& cluster)> cluster_changed;
};

class ClusterRegistry final : public controllers::RemoteClusters {
public:
    /// `secrets` caches the registering Secrets of `secret_namespace`;
    /// `targets` the DeploymentTargets. Both, `clock` and `metrics` (may be null) must outlive it.
    ClusterRegistry(asio::any_io_executor executor, const kube::Clock& clock, kube::Store& secrets,
                    kube::Store& targets, std::string secret_namespace, std::function<bool()> may_write,
                    ClusterMetrics* metrics = nullptr);
    ~ClusterRegistry() override;

    /// Set before start().
    void set_hooks(RegistryHooks hooks) { hooks_ = std::move(hooks); }
    /// Follows the two caches from now on.
    void start();
    /// Looks at the caches again; called once they have synced (before,
    /// a Secret not cached yet is not taken for a missing one).
    void refresh() { resync(); }
    /// Closes every connection.
    void stop();

    /// Sets installation(), learnt once from the home cluster; no connection opens before.
    void set_installation(std::string installation);

    controllers::ClusterAccess access(const std::string& cluster, const std::string& ns) override;
    std::vector<controllers::ChildStores> child_stores() const override;
    std::string installation() const override { return installation_; }

    /// Open connections, for tests and metrics.
    std::size_t connections() const { return connections_.size(); }

private:
    /// Brings the connections in line with the targets and Secrets cached now.
    void resync();
    void close(const std::string& cluster);
    void changed(const std::string& cluster);

    asio::any_io_executor executor_;
    const kube::Clock& clock_;
    kube::Store& secrets_;
    kube::Store& targets_;
    std::string secret_namespace_;
    std::function<bool()> may_write_;
    ClusterMetrics* metrics_;
    RegistryHooks hooks_;
    std::string installation_;
    std::map<std::string, std::shared_ptr<ClusterConnection>> connections_;
    /// Clusters named by a target that cannot be connected: why.
    std::map<std::string, std::string> unusable_;
    /// Closed, waiting for their loops to finish before they go.
    std::vector<std::shared_ptr<ClusterConnection>> closing_;
    bool started_ = false;
    bool stopped_ = false;
    kube::Logger log_;
};

} // namespace labfleet::clusters
