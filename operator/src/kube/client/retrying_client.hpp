#pragma once
// RetryingClient: the one place a request is sent again. Below it every layer
// makes exactly one attempt per call, so each resend passes through them all
// once more — above all the leader gate, which is asked again for every
// attempt: a replica deposed while a write waited out a 429 does not send it.
//
// What is resent (each a budget of its own, per call):
// - 429 Too Many Requests: after the server's Retry-After (1 s when absent),
//   capped at max_retry_after, at most max_throttle_retries times;
// - a broken connection (ErrorReason::Transport: connect, write or read
//   failed before an answer) for an idempotent method (GET, PUT, DELETE) —
//   typically a kept-alive connection the server had closed — at once, at
//   most max_connection_retries times; POST and PATCH are never resent;
// - 401 Unauthorized: once, and only when refresh_credentials() re-read the
//   credentials and they changed (a rotated service-account token).
// Streams (watches) get only the 401 refresh: their caller backs off itself.

#include <chrono>
#include <functional>
#include <optional>

#include "kube/client/client.hpp"

namespace labfleet::kube {

struct RetryPolicy {
    int max_throttle_retries = 3;
    std::chrono::milliseconds max_retry_after{10'000};
    /// The wait after a 429 that names no Retry-After.
    std::chrono::milliseconds default_retry_after{1'000};
    int max_connection_retries = 1;
};

/// Re-reads the credentials (after a 401); true when they changed, so a
/// resend may succeed.
using CredentialRefresh = std::function<bool()>;

/// Why a failed attempt may be sent again.
enum class RetryCause { Throttled, ConnectionBroken, Unauthorized };

/// The cause under which `error`, the answer to a `method` request, may be
/// resent; nullopt when a resend cannot help (or is unsafe).
std::optional<RetryCause> retry_cause(Method method, const ApiError& error);

/// The wait before resending a throttled request: its Retry-After (or the
/// policy's default), never more than max_retry_after.
std::chrono::milliseconds throttle_delay(const RetryPolicy& policy, const ApiError& error);

class RetryingClient final : public Client {
public:
    /// `inner` must outlive this client. Without `refresh_credentials`, a 401
    /// is returned as it is.
    explicit RetryingClient(Client& inner, RetryPolicy policy = {}, CredentialRefresh refresh_credentials = {})
        : inner_(inner), policy_(policy), refresh_credentials_(std::move(refresh_credentials)) {}

    /// The first answer that is not resent. A wait for Retry-After that is
    /// cancelled ends the call with the 429.
    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override;
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(
        HttpRequest request, std::chrono::milliseconds idle_timeout) override;

    const RetryPolicy& policy() const { return policy_; }

private:
    /// Whether a 401 is worth one resend: not refreshed yet, and the refresh changed the credentials.
    bool refresh_after_unauthorized(bool& refreshed);

    Client& inner_;
    RetryPolicy policy_;
    CredentialRefresh refresh_credentials_;
};

} // namespace labfleet::kube
