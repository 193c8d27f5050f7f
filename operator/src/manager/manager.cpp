#include "manager/manager.hpp"

#include <cstdlib>
#include <iostream>
#include <list>
#include <stdexcept>

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/v1alpha1/group_version.hpp"
#include "clusters/cluster_registry.hpp"
#include "controllers/context.hpp"
#include "controllers/render/desired_objects.hpp"
#include "controllers/domain_metrics.hpp"
#include "kube/client/rest.hpp"
#include "kube/config/config_loader.hpp"
#include "kube/json/json_fields.hpp"
#include "kube/client/client_stack.hpp"
#include "kube/controller/crash_record.hpp"
#include "kube/cache/informer.hpp"
#include "kube/leaderelection/leader_election.hpp"
#include "kube/metrics/metrics.hpp"
#include "kube/net/https_client.hpp"
#include "manager/api_access_reviewer.hpp"
#include "manager/api_event_sink.hpp"
#include "manager/controller_set.hpp"
#include "manager/metrics_authorizer.hpp"
#include "manager/probe_server.hpp"
#include "manager/serving_cert.hpp"

namespace labfleet::manager {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto managed_by_selector = "app.kubernetes.io/managed-by=labfleet";
constexpr auto shutdown_grace = 10s;
/// How often --metrics-cert-dir is read again for a rotated certificate.
constexpr auto cert_reload_period = 10s;

std::string host_of(const std::string& server) {
    auto start = server.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    return server.substr(start, server.find('/', start) - start);
}

kube::ClusterConfig load_config(const RunOptions& options) {
    auto config = kube::load_cluster_config({options.kubeconfig, options.context}, kube::ConfigEnvironment::process());
    if (!config) throw std::runtime_error("cluster config: " + config.error().describe());
    return std::move(config).value();
}

/// The client of the /metrics reviews: its own connections, and timeouts
/// short enough that a scrape (10 s by default) is answered, even if with 500,
/// and no retry layer (a throttled review fails this scrape; the next asks again).
/// Its requests stay out of rest_client_requests_total, whose POSTs count the
/// operator's writes (a standby shows none: that is how fencing is checked).
std::unique_ptr<kube::Client> make_review_client(const kube::ClusterConfig& config, asio::any_io_executor executor) {
    kube::net::HttpsClientOptions options;
    options.connect_timeout = 3s;
    options.handshake_timeout = 3s;
    options.request_timeout = 4s;
    options.max_idle_connections = 2;
    options.user_agent = "labfleet-operator/metrics-auth";
    return std::make_unique<kube::net::HttpsClient>(config, executor, options);
}

/// Names for a self-signed metrics certificate: the host (the pod) and loopback.
std::vector<std::string> self_signed_names() {
    std::vector<std::string> names;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') names.emplace_back(host);
    for (const char* name : {"localhost", "127.0.0.1", "::1"})
        if (names.empty() || names.front() != name) names.emplace_back(name);
    return names;
}

/// The crash record of --crash-record-dir; null when the flag is not given.
std::unique_ptr<kube::CrashRecord> make_crash_record(const RunOptions& options, asio::any_io_executor executor) {
    if (options.crash_record_dir.empty()) return nullptr;
    return std::make_unique<kube::CrashRecord>(executor, options.crash_record_dir);
}

/// For tests only: "controller:key" whose reconcile aborts the process, so
/// that the crash record can be shown at work (docs/operations.md).
std::string test_abort_in_reconcile() {
    const char* value = std::getenv("LABFLEET_TEST_ABORT_IN_RECONCILE");
    return value ? value : "";
}

kube::Logger make_logger(const RunOptions& options) {
    auto level = kube::parse_log_level(options.log_level);
    return kube::Logger("labfleet", level ? *level : kube::LogLevel::Info, options.log_format);
}

/// Every informer the controllers read, in one place.
struct Informers {
    Informers(kube::Client& client, const kube::Clock& clock, const std::string& operator_namespace)
        : workloads(client, clock, api::v1alpha1::workloads(), streaming(), packed),
          targets(client, clock, api::v1alpha1::deployment_targets(), streaming()),
          policies(client, clock, api::v1alpha1::scheduling_policies(), streaming()),
          leases(client, clock, api::v1alpha1::environment_leases(), streaming()),
          config_maps(client, clock, kube::resources::config_maps(), children(unread().config_map), packed),
          deployments(client, clock, kube::resources::deployments(), children(unread().deployment), packed),
          services(client, clock, kube::resources::services(), children(unread().service), packed),
          cluster_secrets(client, clock, kube::resources::secrets(), registered_clusters(operator_namespace)) {}

    /// Every cache syncs with a streaming list, served from the API server's
    /// watch cache an object at a time (a restart at 31,011 objects: ready in
    /// 2.9 s, against 6.6 s with paged lists).
    static kube::WatchLoopOptions streaming() {
        kube::WatchLoopOptions options;
        options.streaming_list = true;
        return options;
    }
    /// The Secrets that register other clusters: in the operator's namespace, by label.
    static kube::WatchLoopOptions registered_clusters(const std::string& ns) {
        kube::WatchLoopOptions options = streaming();
        options.ns = ns;
        options.label_selector = clusters::cluster_secret_selector();
        return options;
    }
    static const controllers::UnreadChildFields& unread() { return controllers::unread_child_fields(); }
    static kube::WatchLoopOptions children(const std::vector<std::string>& also_trimmed) {
        kube::WatchLoopOptions options = streaming();
        options.label_selector = managed_by_selector;
        options.trim_pointers.insert(options.trim_pointers.end(), also_trimmed.begin(), also_trimmed.end());
        // Should the server refuse the streaming list, page from the start:
        // the watch cache ignores `limit` for resourceVersion "0" and would
        // send 10,000 Deployments as one 46 MB body, parsed whole.
        options.initial_list_from_cache = false;
        return options;
    }
    /// Children are three per (workload, target) pair and each reconcile
    /// reads only its own: kept packed, a child costs 100-180 bytes instead
    /// of several KB parsed. Workloads too (a status with ten targets parses
    /// to 18 KB): the reconciler reads one, and the bulk readers use the typed
    /// decode memo (fleet_view), which unpacks only the workloads that changed.
    /// Their first sync tells no handler, which would unpack each object once
    /// more (a sixth of a restart's CPU): ControllerSet::start queues those keys.
    static constexpr kube::StoreOptions packed{.packed = true, .silent_first_sync = true};
    std::vector<kube::Informer*> all() {
        return {&workloads, &targets, &policies, &leases, &config_maps, &deployments, &services, &cluster_secrets};
    }
    controllers::Caches caches() {
        return {workloads.store(), targets.store(), policies.store(), leases.store(),
                config_maps.store(), deployments.store(), services.store()};
    }

    kube::Informer workloads, targets, policies, leases, config_maps, deployments, services, cluster_secrets;
};

class Runtime {
public:
    explicit Runtime(const RunOptions& options)
        : options_(options),
          config_(load_config(options)),
          metrics_(host_of(config_.server)),
          domain_metrics_(metrics_),
          transport_(config_, io_.get_executor()),
          clients_(transport_, metrics_, [this] { return may_write(); },
                   [this] { return transport_.reload_credentials(); }, {.dry_run = options.dry_run}),
          informers_(clients_.reader(), clock_, leader_namespace()),
          events_(io_.get_executor(), clients_.writer(), clock_, {.reporting_instance = identity_}),
          cluster_metrics_(metrics_.registry()),
          clusters_(io_.get_executor(), clock_, informers_.cluster_secrets.store(), informers_.targets.store(),
                    leader_namespace(), [this] { return may_write(); }, &cluster_metrics_),
          context_(make_context()),
          crash_record_(make_crash_record(options, io_.get_executor())),
          controllers_(io_.get_executor(), context_, metrics_, options, crash_record_.get(), test_abort_in_reconcile()),
          log_(kube::default_logger().named("manager")) {
        clusters_.set_hooks({[this](const controllers::ChildStores& stores) { controllers_.watch_children(stores); },
                             [this](const std::string& cluster) { controllers_.cluster_changed(cluster); }});
        clusters_.start();
        // Every replica exports the series from the start, a standby with 0, so
        // that max(leader_election_master_status) < 1 can tell "nobody leads".
        metrics_.set_leader(options.leader_election_id, false);
        domain_metrics_.count_leases(informers_.leases.store());
        domain_metrics_.observe_queue_waits(informers_.leases.store(), [this] { return may_write(); });
        domain_metrics_.export_objects({informers_.workloads.store(), informers_.targets.store(),
                                        informers_.policies.store(), informers_.leases.store()});
        if (options.leader_elect) {
            kube::LeaderElectionConfig election{identity_,
                                                {leader_namespace(), options.leader_election_id},
                                                options.lease_duration,
                                                options.renew_deadline,
                                                options.retry_period};
            elector_ = std::make_unique<kube::LeaderElector>(clients_.reader(), election, clock_);
        }
        open_servers();
    }

    int run() {
        log_.info("starting", {{"server", config_.server}, {"config", config_.source}, {"identity", identity_},
                               {"leader_elect", options_.leader_elect}, {"dry_run", options_.dry_run}});
        for (auto* informer : informers_.all()) informer->start(io_.get_executor());
        for (auto& server : servers_) server->start();
        if (metrics_server_ && metrics_server_->secure() && !options_.metrics_cert_dir.empty())
            asio::co_spawn(io_, reload_serving_cert(), asio::detached);
        asio::signal_set signals(io_, SIGINT, SIGTERM);
        signals.async_wait([this](const boost::system::error_code& error, int signal) {
            if (!error) shutdown(0, "signal " + std::to_string(signal));
        });
        asio::co_spawn(io_, lead(), asio::detached);
        asio::co_spawn(io_, learn_installation(), asio::detached);
        io_.run();
        return exit_code_;
    }

private:
    bool may_write() const { return !elector_ || elector_->is_leader(); }

    /// The context every reconciler copies: complete before the first copy.
    controllers::Context make_context() {
        controllers::Context context{clients_.writer(), clock_, informers_.caches(), events_, &domain_metrics_,
                                     namespace_rules()};
        context.operator_namespace = leader_namespace();
        context.remotes = &clusters_;
        context.remote_cleanup_grace = options_.remote_cleanup_grace;
        return context;
    }

    /// --denied-namespaces plus, in a cluster, the operator's own namespace.
    controllers::NamespaceRules namespace_rules() const {
        controllers::NamespaceRules rules{options_.denied_namespaces};
        if (config_.source == "in-cluster" && !config_.ns.empty()) rules.denied.push_back(config_.ns);
        return rules;
    }

    std::string leader_namespace() const {
        if (!options_.leader_election_namespace.empty()) return options_.leader_election_namespace;
        return config_.ns.empty() ? "default" : config_.ns;
    }

    bool metrics_enabled() const { return options_.metrics_bind_address != "0"; }

    /// Whether /metrics and the probes are served by one server: when given the
    /// same address, in plain HTTP (the kubelet probes in plain HTTP, so HTTPS
    /// metrics need an address of their own; port 0 gives each a free one).
    bool share_metrics_server() const {
        if (options_.metrics_bind_address != options_.health_probe_bind_address) return false;
        if (!options_.metrics_secure) return true;
        const auto parsed = parse_bind_address(options_.metrics_bind_address);
        if (parsed && parsed->second == 0) return false;
        throw std::runtime_error("--metrics-bind-address and --health-probe-bind-address must differ "
                                 "when /metrics is served over HTTPS (--metrics-secure)");
    }

    /// The /metrics server (unless disabled) and the probe server.
    void open_servers() {
        ProbeServer* probes = nullptr;
        if (metrics_enabled()) {
            const bool shared = share_metrics_server();
            std::optional<ServingCert> cert;
            if (options_.metrics_secure) cert = initial_serving_cert();
            auto metrics = std::make_unique<ProbeServer>(io_.get_executor(), options_.metrics_bind_address, cert);
            Guard guard;
            if (options_.metrics_secure) {
                review_client_ = make_review_client(config_, io_.get_executor());
                reviewer_ = std::make_unique<ApiAccessReviewer>(*review_client_);
                authorizer_ = std::make_unique<MetricsAuthorizer>(*reviewer_, clock_);
                guard = [this](GuardRequest request) { return admit_scrape(std::move(request)); };
            }
            metrics->serve_metrics(
                [this] {
                    // A leader whose lease ran out (say, the process was paused) reports 0 at
                    // once, as its write gate does, not only when the elector next looks.
                    if (leading_ && !may_write()) metrics_.set_leader(options_.leader_election_id, false);
                    return metrics_.serialize();
                },
                std::move(guard));
            metrics_server_ = metrics.get();
            if (shared) probes = metrics.get();
            servers_.push_back(std::move(metrics));
        }
        if (!probes) {
            servers_.push_back(std::make_unique<ProbeServer>(io_.get_executor(), options_.health_probe_bind_address));
            probes = servers_.back().get();
        }
        probes->add_healthz({"ping", [] { return std::optional<std::string>{}; }});
        probes->add_readyz({"informers", [this] { return informer_problems(); }});
    }

    /// Why the caches are not ready, one clause per informer that is not,
    /// each with its cause ("workloads not synced: list failed: ..."); nullopt when all are.
    std::optional<std::string> informer_problems() {
        std::string problems;
        for (auto* informer : informers_.all())
            if (auto problem = informer->problem()) problems += (problems.empty() ? "" : "; ") + *problem;
        if (problems.empty()) return std::nullopt;
        return problems;
    }

    /// --metrics-cert-dir's certificate, else a self-signed one made now.
    ServingCert initial_serving_cert() {
        if (options_.metrics_cert_dir.empty()) return self_signed_serving_cert(self_signed_names());
        auto loaded = load_serving_cert(options_.metrics_cert_dir);
        if (auto* error = std::get_if<CertError>(&loaded)) throw std::runtime_error("--metrics-cert-dir: " + error->message);
        serving_cert_ = std::get<ServingCert>(loaded);
        return serving_cert_;
    }

    /// Re-reads --metrics-cert-dir every cert_reload_period and serves a
    /// changed certificate to new connections.
    asio::awaitable<void> reload_serving_cert() {
        asio::steady_timer timer(io_);
        std::string last_error;
        while (!stopping_) {
            timer.expires_after(cert_reload_period);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (stopping_) break;
            last_error = reload_serving_cert_once(last_error);
        }
    }

    /// One look at --metrics-cert-dir. A pair that does not load (a Secret
    /// mid-rotation) keeps the certificate in use; the error is returned and
    /// logged when it differs from `last_error`.
    std::string reload_serving_cert_once(const std::string& last_error) {
        auto loaded = load_serving_cert(options_.metrics_cert_dir);
        std::string error;
        if (auto* failed = std::get_if<CertError>(&loaded)) {
            error = failed->message;
        } else if (std::get<ServingCert>(loaded) != serving_cert_) {
            if (auto refused = metrics_server_->set_serving_cert(std::get<ServingCert>(loaded))) {
                error = *refused;
            } else {
                serving_cert_ = std::get<ServingCert>(std::move(loaded));
                log_.info("metrics: serving certificate reloaded", {{"dir", options_.metrics_cert_dir}});
            }
        }
        if (!error.empty() && error != last_error)
            log_.warn("metrics: serving certificate not reloaded; keeping the current one", {{"error", error}});
        return error;
    }

    /// The guard of /metrics: TokenReview, then SubjectAccessReview (cached).
    asio::awaitable<GuardAnswer> admit_scrape(GuardRequest request) {
        const AccessDecision decision = co_await authorizer_->authorize(
            std::move(request.authorization), std::move(request.method), std::move(request.path));
        GuardAnswer answer = answer_scrape(decision);
        co_return answer;
    }

    /// Logs a refusal (a failed review as an error) and says what to answer.
    GuardAnswer answer_scrape(const AccessDecision& decision) const {
        if (decision.verdict == Verdict::Failed)
            log_.error("metrics: could not check the caller", {{"user", decision.user}, {"error", decision.detail}});
        else if (decision.verdict != Verdict::Allowed)
            log_.debug("metrics: caller refused", {{"user", decision.user}, {"status", decision.http_status()},
                                                   {"reason", decision.detail}});
        return {decision.http_status(), decision.message};
    }

    /// Reads this installation's name, the uid of the home cluster's kube-system
    /// namespace, for the children it writes into other clusters; until it is
    /// read, no remote cluster is connected. Retried every 10 s.
    asio::awaitable<void> learn_installation() {
        asio::steady_timer timer(io_);
        std::string last_error;
        // GCC 12 destroys a braced temporary passed to a coroutine parameter twice: pass named values.
        const kube::ObjectKey kube_system{"", "kube-system"};
        while (!stopping_) {
            auto read = co_await kube::rest::get(clients_.reader(), kube::resources::namespaces(), kube_system);
            if (stopping_) co_return;
            if (read.ok()) {
                const std::string uid = kube::string_at(*read, "/metadata/uid");
                if (!uid.empty() && uid.size() <= 63) {
                    clusters_.set_installation(uid);
                    co_return;
                }
            }
            const std::string error = read.ok() ? "namespace kube-system has no usable uid" : read.error().describe();
            if (error != last_error) log_.warn("cannot read the home cluster's identity: other clusters wait", {{"error", error}});
            last_error = error;
            timer.expires_after(10s);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    /// Waits for the caches (exits after --cache-sync-timeout), then for
    /// leadership, then runs the controllers.

    asio::awaitable<void> lead() {
        asio::steady_timer timer(io_);
        const auto sync_deadline = clock_.steady_now() + options_.cache_sync_timeout;
        while (!stopping_) {
            bool synced = true;
            for (auto* informer : informers_.all()) synced = synced && informer->synced();
            if (synced) break;
            if (clock_.steady_now() >= sync_deadline) {
                // As controller-runtime: a process that cannot sync exits, so
                // that a misconfigured pod crash-loops with the cause in view.
                shutdown(1, "caches not synced within " + std::to_string(options_.cache_sync_timeout.count()) +
                                "s: " + informer_problems().value_or(""));
                co_return;
            }
            timer.expires_after(100ms);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        if (stopping_) co_return;
        log_.info("caches synced");
        clusters_.refresh();
        if (elector_) {
            asio::co_spawn(io_, elector_->run([this](bool leading) { on_leadership(leading); }), asio::detached);
        } else {
            on_leadership(true);
        }
    }

    void on_leadership(bool leading) {
        metrics_.set_leader(options_.leader_election_id, leading);
        if (leading && !leading_) {
            leading_ = true;
            log_.info("leading: starting controllers");
            controllers_.start();
        } else if (!leading && leading_ && !stopping_) {
            // As controller-runtime: a replica that lost its lease exits and
            // is restarted; its writes were already fenced by the gate.
            log_.error("leadership lost: exiting");
            shutdown(1, "leadership lost");
        }
    }

    void shutdown(int code, const std::string& why) {
        if (stopping_) return;
        stopping_ = true;
        exit_code_ = code;
        exit_reason_ = why;
        log_.info("shutting down", {{"reason", why}});
        controllers_.stop();
        asio::co_spawn(io_, finish(), asio::detached);
    }

    asio::awaitable<void> finish() {
        asio::steady_timer timer(io_);
        const auto deadline = clock_.steady_now() + shutdown_grace;
        while (controllers_.running() && clock_.steady_now() < deadline) {
            timer.expires_after(50ms);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        if (elector_) {
            elector_->stop();
            co_await elector_->release();
        }
        clusters_.stop();
        for (auto* informer : informers_.all()) informer->stop();
        for (auto& server : servers_) server->stop();
        // An orderly exit, even past the grace, is not a crash of what was in flight.
        if (crash_record_) crash_record_->clear();
        // A failed run's reason is its last line: what `kubectl logs --previous` shows first.
        if (exit_code_ != 0) log_.error("stopped", {{"reason", exit_reason_}});
        else log_.info("stopped");
        io_.stop();
    }

    RunOptions options_;
    asio::io_context io_;
    kube::SystemClock clock_;
    std::string identity_ = kube::default_leader_identity();
    kube::ClusterConfig config_;
    kube::RuntimeMetrics metrics_;
    controllers::DomainMetrics domain_metrics_;
    kube::net::HttpsClient transport_;  // one attempt per call
    // writer: retry → urgent-first → leader gate → metrics → transport;
    // reader: retry → metrics → transport. The order, and the invariants it
    // keeps (no wait between the gate and the wire), are in client_stack.hpp.
    kube::ClientStack clients_;

    Informers informers_;
    ApiEventSink events_;
    clusters::ClusterMetrics cluster_metrics_;
    clusters::ClusterRegistry clusters_;  // the other clusters targets name (spec.cluster)
    controllers::Context context_;
    std::unique_ptr<kube::CrashRecord> crash_record_;  // --crash-record-dir; null when off
    ControllerSet controllers_;
    std::unique_ptr<kube::LeaderElector> elector_;
    // /metrics reviews (with --metrics-secure): a client of their own, so a
    // scrape never queues behind the controllers' requests.
    std::unique_ptr<kube::Client> review_client_;
    std::unique_ptr<ApiAccessReviewer> reviewer_;
    std::unique_ptr<MetricsAuthorizer> authorizer_;
    ServingCert serving_cert_;  // the one loaded from --metrics-cert-dir
    std::vector<std::unique_ptr<ProbeServer>> servers_;
    ProbeServer* metrics_server_ = nullptr;  // in servers_; null when disabled
    kube::Logger log_;
    bool leading_ = false;
    bool stopping_ = false;
    int exit_code_ = 0;
    std::string exit_reason_;

};

} // namespace

int run_manager(const RunOptions& options) {
    kube::set_default_logger(make_logger(options));
    Runtime runtime(options);
    return runtime.run();
}

} // namespace labfleet::manager
