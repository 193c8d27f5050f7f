#include "kube/client/retrying_client.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace labfleet::kube {

namespace {

/// Safe to send twice (RFC 9110 idempotent methods).
bool is_idempotent(Method method) {
    return method == Method::Get || method == Method::Put || method == Method::Delete;
}

} // namespace

std::optional<RetryCause> retry_cause(Method method, const ApiError& error) {
    switch (error.reason) {
    case ErrorReason::TooManyRequests: return RetryCause::Throttled;
    case ErrorReason::Unauthorized: return RetryCause::Unauthorized;
    case ErrorReason::Transport:
        if (is_idempotent(method)) return RetryCause::ConnectionBroken;
        return std::nullopt;
    default: return std::nullopt;
    }
}

std::chrono::milliseconds throttle_delay(const RetryPolicy& policy, const ApiError& error) {
    const std::chrono::milliseconds wanted =
        error.retry_after ? std::chrono::milliseconds(*error.retry_after) : policy.default_retry_after;
    return std::min(wanted, policy.max_retry_after);
}

bool RetryingClient::refresh_after_unauthorized(bool& refreshed) {
    if (refreshed || !refresh_credentials_) return false;
    refreshed = true;
    return refresh_credentials_();
}

asio::awaitable<Result<HttpResponse>> RetryingClient::send(HttpRequest request) {
    int throttled = 0;
    int reconnected = 0;
    bool refreshed = false;
    for (;;) {
        auto result = co_await inner_.send(request);
        if (result) co_return result;
        const auto cause = retry_cause(request.method, result.error());
        if (!cause) co_return result;
        switch (*cause) {
        case RetryCause::Throttled: {
            if (throttled++ >= policy_.max_throttle_retries) co_return result;
            asio::steady_timer timer(co_await asio::this_coro::executor, throttle_delay(policy_, result.error()));
            auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return result;
            break;
        }
        case RetryCause::ConnectionBroken:
            if (reconnected++ >= policy_.max_connection_retries) co_return result;
            break;
        case RetryCause::Unauthorized:
            if (!refresh_after_unauthorized(refreshed)) co_return result;
            break;
        }
    }
}

asio::awaitable<Result<std::unique_ptr<WatchStream>>> RetryingClient::stream(HttpRequest request,
                                                                             std::chrono::milliseconds idle_timeout) {
    bool refreshed = false;
    for (;;) {
        auto result = co_await inner_.stream(request, idle_timeout);
        if (result || result.error().reason != ErrorReason::Unauthorized) co_return result;
        if (!refresh_after_unauthorized(refreshed)) co_return result;
    }
}

} // namespace labfleet::kube
