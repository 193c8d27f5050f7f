#pragma once
// ProbeServer: the operator's small HTTP endpoint for /metrics, /healthz and
// /readyz (controller-runtime semantics: named checks, `?verbose` lists them,
// 200 "ok" or 500 naming the failed checks). One server per bind address;
// metrics and probes may share one. It speaks plain HTTP, or HTTPS when given
// a serving certificate (TLS 1.2 or newer); /metrics may be guarded by an
// asynchronous check of the caller (see MetricsAuthorizer). Beast stays in
// the .cpp.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "manager/serving_cert.hpp"

namespace labfleet::manager {

/// A named check: nullopt when healthy, else why not.
struct Check {
    std::string name;
    std::function<std::optional<std::string>()> run;
};

/// What a guard is shown of a request.
struct GuardRequest {
    std::string method;         // "GET", "HEAD"
    std::string path;           // without the query
    std::string authorization;  // the Authorization header, empty when absent
};

/// A guard's answer: status 200 lets the request through; any other status is
/// sent with `message` as the body.
struct GuardAnswer {
    int status = 200;
    std::string message;
};

/// Decides whether a request may be served; runs on the server's executor.
using Guard = std::function<boost::asio::awaitable<GuardAnswer>(GuardRequest)>;

class ProbeServer {
public:
    /// `bind_address` is "host:port" or ":port" (all interfaces); port 0 picks
    /// a free one. With `tls`, every connection must complete a TLS handshake
    /// first. Throws std::runtime_error when it cannot listen or the
    /// certificate cannot be used (start-up config).
    ProbeServer(boost::asio::any_io_executor executor, const std::string& bind_address,
                std::optional<ServingCert> tls = std::nullopt);
    ~ProbeServer();
    ProbeServer(const ProbeServer&) = delete;
    ProbeServer& operator=(const ProbeServer&) = delete;

    /// Serves /metrics with `render`; with a guard, only requests it lets
    /// through are rendered.
    void serve_metrics(std::function<std::string()> render, Guard guard = {});
    void add_healthz(Check check);
    void add_readyz(Check check);

    /// Replaces the certificate of an HTTPS server for the connections
    /// accepted from now on; connections already open keep theirs. Returns
    /// why not when it cannot be used (the old one stays) or the server is
    /// plain HTTP.
    std::optional<std::string> set_serving_cert(const ServingCert& cert);
    bool secure() const;

    /// Starts accepting; connections are served until stop().
    void start();
    void stop();
    unsigned short port() const;

    /// Shared with the connections being served, which may outlive stop().
    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

/// "host:port" / ":port" → host ("0.0.0.0" when empty) and port; nullopt when malformed.
std::optional<std::pair<std::string, unsigned short>> parse_bind_address(const std::string& address);

} // namespace labfleet::manager
