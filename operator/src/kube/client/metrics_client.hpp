#pragma once
// MetricsClient: a Client decorator that reports every request's method and
// outcome to an observer, which the manager turns into
// rest_client_requests_total{code,method}. No metrics library here.

#include <string_view>

#include "kube/client/client.hpp"

namespace labfleet::kube {

/// Receives one call per finished request.
class RequestObserver {
public:
    virtual ~RequestObserver() = default;
    /// `method` is "GET", "PATCH", ...; `code` the HTTP status ("200", "404")
    /// or "<error>" when no response arrived (as client-go labels it).
    virtual void on_request(std::string_view method, std::string_view code) = 0;
};

class MetricsClient final : public Client {
public:
    /// `inner` and `observer` must outlive this client.
    MetricsClient(Client& inner, RequestObserver& observer) : inner_(inner), observer_(observer) {}

    /// Counts one request per call. Over the transport, a call is one
    /// attempt: a resend (RetryingClient, above) is counted again, as
    /// client-go counts every try.
    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override;
    /// Counts the opening of the stream (its status), not the events read.
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(
        HttpRequest request, std::chrono::milliseconds idle_timeout) override;

private:
    Client& inner_;
    RequestObserver& observer_;
};

} // namespace labfleet::kube
