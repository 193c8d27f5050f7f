#pragma once
// ProbeServer: the operator's small HTTP endpoint for /metrics, /healthz and
// /readyz (controller-runtime semantics: named checks, `?verbose` lists them,
// 200 "ok" or 500 naming the failed checks). One server per bind address;
// metrics and probes may share one. Beast stays in the .cpp.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

namespace labfleet::manager {

/// A named check: nullopt when healthy, else why not.
struct Check {
    std::string name;
    std::function<std::optional<std::string>()> run;
};

class ProbeServer {
public:
    /// `bind_address` is "host:port" or ":port" (all interfaces); port 0 picks
    /// a free one. Throws std::runtime_error when it cannot listen (start-up config).
    ProbeServer(boost::asio::any_io_executor executor, const std::string& bind_address);
    ~ProbeServer();
    ProbeServer(const ProbeServer&) = delete;
    ProbeServer& operator=(const ProbeServer&) = delete;

    void serve_metrics(std::function<std::string()> render);
    void add_healthz(Check check);
    void add_readyz(Check check);

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
