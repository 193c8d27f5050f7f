#pragma once
// ApiError: an expected failure of an API call, as a value. Built from the
// HTTP status and the metav1.Status body the API server sends, or from a
// transport step (connect, TLS handshake, read, timeout) that failed.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labfleet::kube {

enum class ErrorReason {
    BadRequest,       // 400
    Unauthorized,     // 401
    Forbidden,        // 403
    NotFound,         // 404
    MethodNotAllowed, // 405
    AlreadyExists,    // 409 with reason AlreadyExists
    Conflict,         // 409 otherwise (stale resourceVersion)
    Gone,             // 410 (resourceVersion too old: relist)
    Invalid,          // 422 with field causes
    TooManyRequests,  // 429 (see retry_after)
    ServerError,      // 5xx
    Timeout,          // 504 or a client-side timeout of a step
    Transport,        // connect/TLS/read/write failed before a response
    Decode,           // the response was not what the API promises
};

/// One field-level cause of an Invalid error, as metav1.StatusCause.
struct FieldCause {
    std::string field;   // e.g. "spec.images.workshop.tag"
    std::string reason;  // e.g. "FieldValueInvalid"
    std::string message;
};

struct ApiError {
    ErrorReason reason = ErrorReason::ServerError;
    int http_status = 0;  // 0 when no response was received
    std::string message;
    std::vector<FieldCause> causes;
    std::optional<std::chrono::seconds> retry_after;

    /// True when retrying the same request later may succeed (429, 5xx,
    /// timeouts, transport). Conflict is retryable only after a re-read,
    /// which the caller does, so it counts as not retryable here.
    bool retryable() const;
    /// "NotFound (404): configmaps \"x\" not found" — for logs and conditions.
    std::string describe() const;
};

std::string_view to_string(ErrorReason reason);

/// Maps an HTTP error response to an ApiError; `body` is usually a
/// metav1.Status JSON object but may be anything (it is never trusted).
ApiError api_error_from_response(int http_status, std::string_view body,
                                 std::optional<std::chrono::seconds> retry_after = std::nullopt);

/// A step (connect, tls handshake, write, read) that failed before a response.
ApiError transport_error(std::string_view step, std::string_view detail);
/// A step that made no progress within its time limit.
ApiError timeout_error(std::string_view step, std::chrono::milliseconds after);

} // namespace labfleet::kube
