#include "clusters/cluster_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "clusters/credential_expiry.hpp"
#include "clusters/remote_permissions.hpp"
#include "controllers/render/desired_objects.hpp"
#include "kube/client/rest.hpp"
#include "kube/json/json_fields.hpp"

// GCC 12 reports asio's awaitable frame allocation (unsized new, sized
// delete) as mismatched after inlining: a false positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace labfleet::clusters {

using namespace std::chrono_literals;

namespace {

/// The probe reads the cluster's identity this often; with the timeouts
/// below, a cluster that stops answering shows Down within 20 s.
constexpr auto probe_period = 10s;

kube::net::HttpsClientOptions transport_options(const std::string& name) {
    kube::net::HttpsClientOptions options;
    options.connect_timeout = 5s;
    options.handshake_timeout = 5s;
    options.request_timeout = 10s;
    options.max_idle_connections = 16;
    options.user_agent = "labfleet-operator/cluster/" + name;
    return options;
}

kube::WatchLoopOptions child_watch(const std::string& ns, const std::string& installation,
                                   const std::vector<std::string>& also_trimmed) {
    kube::WatchLoopOptions options;
    options.ns = ns;
    // Only this installation's children: another's in the same namespace are never seen, so never pruned.
    options.label_selector = std::string(controllers::managed_by_label) + "=" + controllers::managed_by_value + "," +
                             controllers::installation_label + "=" + installation;
    options.streaming_list = true;
    options.initial_list_from_cache = false;
    options.trim_pointers.insert(options.trim_pointers.end(), also_trimmed.begin(), also_trimmed.end());
    return options;
}

} // namespace

/// The children's caches of one namespace of the cluster.
struct ClusterConnection::NamespaceCaches {
    NamespaceCaches(kube::Client& client, const kube::Clock& clock, const std::string& ns,
                    const std::string& installation)
        : config_maps(client, clock, kube::resources::config_maps(),
                      child_watch(ns, installation, controllers::unread_child_fields().config_map), packed),
          deployments(client, clock, kube::resources::deployments(),
                       child_watch(ns, installation, controllers::unread_child_fields().deployment), packed),
          services(client, clock, kube::resources::services(),
                   child_watch(ns, installation, controllers::unread_child_fields().service), packed) {
        for (auto* informer : all()) controllers::add_child_indexes(informer->store());
    }
    static constexpr kube::StoreOptions packed{.packed = true};
    std::vector<kube::Informer*> all() { return {&config_maps, &deployments, &services}; }
    bool running() { return config_maps.running() || deployments.running() || services.running(); }

    kube::Informer config_maps, deployments, services;
    bool started = false;  // the watches start once the identity may list and watch there
    std::uint64_t restarts_reported = 0;  // to labfleet_cluster_watch_restarts_total
    bool reviewed = false;
    std::vector<Permission> missing;  // of the last review
};

ClusterConnection::ClusterConnection(std::string name, std::string installation, ClusterCredentials credentials,
                                     asio::any_io_executor executor, const kube::Clock& clock,
                                     ClusterMetrics* metrics, std::function<bool()> may_write,
                                     std::function<void()> changed)
    : name_(std::move(name)),
      installation_(std::move(installation)),
      fingerprint_(std::move(credentials.fingerprint)),
      executor_(executor),
      clock_(clock),
      metrics_(metrics),
      changed_(std::move(changed)),
      expiry_(credential_expiry(credentials.config)),
      transport_(std::move(credentials.config), executor, transport_options(name_)),
      clients_(transport_, observer_, std::move(may_write), [this] { return transport_.reload_credentials(); }),
      timer_(executor),
      log_(kube::default_logger().named("cluster").with({{"cluster", name_}})) {}

ClusterConnection::~ClusterConnection() = default;

void ClusterConnection::start() {
    if (metrics_) {
        metrics_->set_up(name_, false);
        metrics_->set_credential_expiry(name_, expiry_);
    }
    probing_ = true;
    asio::co_spawn(executor_, [self = shared_from_this()]() { return self->probe(); }, asio::detached);
}

void ClusterConnection::stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    if (metrics_) metrics_->forget(name_);
    for (auto& [ns, caches] : watched_) {
        for (auto* informer : caches->all()) informer->stop();
        closing_.push_back(std::move(caches));
    }
    watched_.clear();
}

bool ClusterConnection::finished() const {
    if (!stopped_ || probing_) return false;
    for (const auto& caches : closing_)
        if (caches->running()) return false;
    return true;
}

void ClusterConnection::watch_namespaces(const std::set<std::string>& wanted,
                                         const std::function<void(const controllers::ChildStores&)>& opened) {
    if (stopped_) return;
    reap();
    for (auto it = watched_.begin(); it != watched_.end();) {
        if (wanted.contains(it->first)) {
            ++it;
            continue;
        }
        log_.info("closing the watches of a namespace no target uses", {{"namespace", it->first}});
        for (auto* informer : it->second->all()) informer->stop();
        closing_.push_back(std::move(it->second));
        it = watched_.erase(it);
    }
    bool opened_any = false;
    for (const auto& ns : wanted) {
        if (watched_.contains(ns)) continue;
        log_.info("watching Labfleet's objects in a namespace", {{"namespace", ns}});
        auto caches = std::make_unique<NamespaceCaches>(clients_.reader(), clock_, ns, installation_);
        // Handlers first, so that the first list reaches the controllers.
        if (opened) opened({name_, &caches->config_maps.store(), &caches->deployments.store(), &caches->services.store()});
        watched_.emplace(ns, std::move(caches));
        opened_any = true;
    }
    // Its permissions are reviewed by the probe: wake it rather than wait a period.
    if (opened_any && state_ == ConnectionState::Up) timer_.cancel();
}

std::vector<controllers::ChildStores> ClusterConnection::child_stores() const {
    std::vector<controllers::ChildStores> out;
    for (const auto& [ns, caches] : watched_)
        out.push_back({name_, &caches->config_maps.store(), &caches->deployments.store(), &caches->services.store()});
    return out;
}

bool ClusterConnection::synced(const std::string& ns) const {
    const auto found = watched_.find(ns);
    if (found == watched_.end()) return false;
    auto& caches = *found->second;
    return caches.reviewed && caches.config_maps.synced() && caches.deployments.synced() && caches.services.synced();
}

std::string ClusterConnection::missing_permissions(const std::string& ns) const {
    const auto found = watched_.find(ns);
    if (found == watched_.end()) return "";
    return describe_missing(found->second->missing);
}

asio::awaitable<void> ClusterConnection::review_permissions() {
    const kube::ResourceType reviews{"authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                                     false};
    std::vector<std::string> namespaces;
    for (const auto& [ns, caches] : watched_)
        if (!caches->reviewed || !caches->missing.empty()) namespaces.push_back(ns);
    for (const auto& ns : namespaces) {
        std::vector<Permission> missing;
        bool answered = true;
        for (const Permission& permission : permissions_needed(ns)) {
            // The reader: a review is a POST, but it writes nothing, and a standby reviews too.
            auto answer = co_await kube::rest::create(clients_.reader(), reviews, "", access_review(permission, ns));
            if (stopped_) co_return;
            if (!answer.ok()) {
                answered = false;
                break;
            }
            const kube::Json::json_pointer allowed("/status/allowed");
            if (!answer->contains(allowed) || answer->at(allowed) != true) missing.push_back(permission);
        }
        const auto found = watched_.find(ns);  // the namespace may have been closed meanwhile
        if (!answered || found == watched_.end()) continue;
        if (!missing.empty() && missing.size() != found->second->missing.size())
            log_.warn("the identity lacks permissions Labfleet needs",
                      {{"namespace", ns}, {"missing", describe_missing(missing)}});
        const bool changed = !found->second->reviewed || missing.size() != found->second->missing.size();
        found->second->reviewed = true;
        found->second->missing = std::move(missing);
        if (found->second->missing.empty() && !found->second->started) {
            found->second->started = true;
            for (auto* informer : found->second->all()) informer->start(executor_);
        }
        if (changed && changed_) changed_();
    }
}

void ClusterConnection::report_caches() {
    std::size_t cached = 0;
    std::uint64_t restarts = 0;
    for (auto& [ns, caches] : watched_) {
        for (auto* informer : caches->all()) {
            cached += informer->store().size();
            const std::uint64_t opened = informer->status().watches_opened;
            restarts += opened > 0 ? opened - 1 : 0;
        }
        metrics_->add_watch_restarts(name_, restarts - caches->restarts_reported);
        caches->restarts_reported = restarts;
        restarts = 0;
    }
    metrics_->set_cached_objects(name_, cached);
}

asio::awaitable<void> ClusterConnection::probe() {
    const kube::ObjectKey kube_system{"", "kube-system"};
    while (!stopped_) {
        // One attempt straight on the transport: the probe's own period is its retry.
        auto read = co_await kube::rest::get(transport_, kube::resources::namespaces(), kube_system);
        if (stopped_) break;
        if (read.ok()) {
            const std::string uid = kube::string_at(*read, "/metadata/uid");
            if (uid.empty() || uid.size() > 64) set_state(ConnectionState::Down, "namespace kube-system has no usable uid", "");
            else set_state(ConnectionState::Up, "", uid);
            if (state_ == ConnectionState::Up) co_await review_permissions();
            if (stopped_) break;
        } else {
            set_state(ConnectionState::Down, "reading namespace kube-system: " + read.error().describe(), uid_);
        }
        reap();
        if (metrics_) report_caches();
        timer_.expires_after(probe_period);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    probing_ = false;
}

void ClusterConnection::set_state(ConnectionState state, std::string problem, std::string uid) {
    if (state == state_ && problem == problem_ && uid == uid_) return;
    if (state != state_) {
        if (state == ConnectionState::Up) log_.info("cluster answers", {{"uid", uid}});
        else log_.warn("cluster unreachable", {{"error", problem}});
    }
    state_ = state;
    if (metrics_) metrics_->set_up(name_, state == ConnectionState::Up);
    problem_ = std::move(problem);
    uid_ = std::move(uid);
    if (changed_) changed_();
}

void ClusterConnection::reap() {
    std::erase_if(closing_, [](const std::unique_ptr<NamespaceCaches>& caches) { return !caches->running(); });
}

} // namespace labfleet::clusters
