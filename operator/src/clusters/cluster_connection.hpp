#pragma once
// ClusterConnection: everything Labfleet holds for one registered cluster —
// its HTTPS client and client stack (own retries and rate of requests), a
// probe that reads the cluster's identity and notices it going away, and the
// caches of Labfleet's children in the namespaces that targets use there.
// It is the unit of ownership: opened when the first target names the
// cluster, closed when the last one goes or its credentials change, so that
// a later step can hand whole connections to different replicas.
//
// Watches are narrow: one per kind and namespace, selected on the server by
// app.kubernetes.io/managed-by=labfleet, so a Role per target namespace is
// all the remote side grants. They start once the cluster has said
// (SelfSubjectAccessReview) that the identity may do there all Labfleet
// needs; until then the namespace's targets say what is missing.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "clusters/cluster_metrics.hpp"
#include "clusters/cluster_secret.hpp"
#include "controllers/clusters/cluster_access.hpp"
#include "controllers/context.hpp"
#include "kube/cache/informer.hpp"
#include "kube/client/client_stack.hpp"
#include "kube/net/https_client.hpp"
#include "kube/util/clock.hpp"
#include "kube/util/logger.hpp"

namespace labfleet::clusters {

namespace asio = boost::asio;

enum class ConnectionState { Connecting, Up, Down };

class ClusterConnection : public std::enable_shared_from_this<ClusterConnection> {
public:
    /// `clock` and `metrics` (may be null) must outlive the connection; `may_write` is the
    /// leader gate; `changed` is called when the state or the identity changes.
    /// `installation`: the installation_label value its caches select.
    ClusterConnection(std::string name, std::string installation, ClusterCredentials credentials,
                      asio::any_io_executor executor,
                      const kube::Clock& clock, ClusterMetrics* metrics, std::function<bool()> may_write,
                      std::function<void()> changed);
    ~ClusterConnection();
    ClusterConnection(const ClusterConnection&) = delete;
    ClusterConnection& operator=(const ClusterConnection&) = delete;

    /// Starts the probe. Called once.
    void start();
    /// Stops the probe and every watch; the object may go once finished().
    void stop();
    /// Stopped and nothing of it running any more.
    bool finished() const;

    const std::string& name() const { return name_; }
    const std::string& fingerprint() const { return fingerprint_; }
    ConnectionState state() const { return state_; }
    /// Why the cluster is Down (or not up yet).
    const std::string& problem() const { return problem_; }
    /// The uid of its kube-system namespace; "" until read.
    const std::string& uid() const { return uid_; }

    /// Watches exactly the namespaces `wanted`: opens the new ones (calling
    /// `opened` with their caches) and closes the others.
    void watch_namespaces(const std::set<std::string>& wanted,
                          const std::function<void(const controllers::ChildStores&)>& opened);
    std::vector<controllers::ChildStores> child_stores() const;
    /// The caches of `ns` are watched and have their first list, and the
    /// identity's permissions there were reviewed.
    bool synced(const std::string& ns) const;
    /// What the identity may not do in `ns` that Labfleet needs
    /// (remote_permissions.hpp); empty when all is allowed or not reviewed yet.
    std::string missing_permissions(const std::string& ns) const;

    kube::Client& writer() { return clients_.writer(); }
    controllers::TargetNamespaces& namespaces() { return namespaces_; }

private:
    struct NamespaceCaches;
    /// Counts each attempt in labfleet_cluster_requests_total, until the connection stops.
    struct Observer final : kube::RequestObserver {
        ClusterConnection* owner;
        explicit Observer(ClusterConnection* owner) : owner(owner) {}
        void on_request(std::string_view method, std::string_view code) override {
            if (owner->metrics_ && !owner->stopped_) owner->metrics_->request(owner->name_, method, code);
        }
    };

    asio::awaitable<void> probe();
    /// Asks the cluster what the identity may do in each watched namespace
    /// not reviewed yet, or found lacking (so a fixed Role is seen within a probe period).
    asio::awaitable<void> review_permissions();
    void set_state(ConnectionState state, std::string problem, std::string uid);
    void reap();
    /// labfleet_cluster_cached_objects and the watch restarts since the last report.
    void report_caches();

    std::string name_;
    std::string installation_;
    std::string fingerprint_;
    asio::any_io_executor executor_;
    const kube::Clock& clock_;
    ClusterMetrics* metrics_;
    std::function<void()> changed_;
    /// When the credential stops working, where it says so (read before the transport takes it).
    std::optional<kube::WallTime> expiry_;
    Observer observer_{this};
    kube::net::HttpsClient transport_;
    kube::ClientStack clients_;
    controllers::TargetNamespaces namespaces_;
    std::map<std::string, std::unique_ptr<NamespaceCaches>> watched_;
    std::vector<std::unique_ptr<NamespaceCaches>> closing_;  // stopped, loops not finished yet
    asio::steady_timer timer_;
    ConnectionState state_ = ConnectionState::Connecting;
    std::string problem_ = "not contacted yet";
    std::string uid_;
    bool stopped_ = false;
    bool probing_ = false;
    kube::Logger log_;
};

} // namespace labfleet::clusters
