#pragma once
// HttpsClient: kube::Client over HTTP/1.1, TLS-verified (https) or plain
// (http, for tests), with a small keep-alive pool and a timeout on every step.
// The transport: each call is exactly one attempt, answered or failed; what
// is worth sending again is decided above it (RetryingClient), above the
// leader gate, so that no layer resends a write without the gate seeing it.
// Beast stays in https_client.cpp: this header is light enough for the manager.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "kube/client/client.hpp"
#include "kube/util/clock.hpp"
#include "kube/config/cluster_config.hpp"

namespace labfleet::kube::net {

struct HttpsClientOptions {
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds handshake_timeout{10'000};
    /// Bound on writing a request and on each read of its response.
    std::chrono::milliseconds request_timeout{30'000};
    /// Idle keep-alive connections kept for reuse: enough for the requests a
    /// manager has in flight at once in a burst (8 Workload workers with 8
    /// child writes each), so the burst reuses connections instead of paying a
    /// TLS handshake per request.
    std::size_t max_idle_connections = 64;
    /// A pooled connection idle for longer is dropped (servers close idle ones).
    std::chrono::milliseconds max_idle_age{50'000};
    /// token_file is re-read at most this often (and at reload_credentials()).
    std::chrono::milliseconds token_refresh_interval{60'000};
    std::string user_agent = "labfleet-operator";
    /// Source of time for token refresh and idle ages; nullptr = the system clock.
    const Clock* clock = nullptr;
};

/// The client must outlive every send() and stream() call it started; a
/// WatchStream it returned owns its connection and may outlive the client.
class HttpsClient final : public Client {
public:
    /// Throws std::invalid_argument when the config cannot work at all (bad
    /// server URL, unreadable PEM): that is bad start-up configuration.
    HttpsClient(ClusterConfig config, asio::any_io_executor executor, HttpsClientOptions options = {});
    ~HttpsClient() override;
    HttpsClient(const HttpsClient&) = delete;
    HttpsClient& operator=(const HttpsClient&) = delete;

    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override;
    /// The stream owns a fresh connection of its own; it is never pooled.
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(
        HttpRequest request, std::chrono::milliseconds idle_timeout) override;

    /// Re-reads the config's token file now; true when the token changed (a
    /// request refused with 401 is then worth sending again). False without a
    /// token file, or when it cannot be read (the last good token stays).
    bool reload_credentials();

    /// Connections opened so far (keep-alive shows as reuse).
    std::size_t connections_opened() const;
    /// Idle connections currently pooled.
    std::size_t idle_connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace labfleet::kube::net
