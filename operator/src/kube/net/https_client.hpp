#pragma once
// HttpsClient: kube::Client over HTTP/1.1, TLS-verified (https) or plain
// (http, for tests), with a small keep-alive pool and a timeout on every step.
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
    /// Idle keep-alive connections kept for reuse: enough for every request a
    /// manager has in flight at once (its controllers' workers and event
    /// senders), so a burst of writes reuses connections instead of paying a
    /// TLS handshake per request.
    std::size_t max_idle_connections = 32;
    /// A pooled connection idle for longer is dropped (servers close idle ones).
    std::chrono::milliseconds max_idle_age{50'000};
    /// 429 answers retried at most this often, each after Retry-After capped here.
    int max_throttle_retries = 3;
    std::chrono::milliseconds max_retry_after{10'000};
    /// token_file is re-read at most this often (and at once after a 401).
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

    /// Connections opened so far (keep-alive shows as reuse).
    std::size_t connections_opened() const;
    /// Idle connections currently pooled.
    std::size_t idle_connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace labfleet::kube::net
