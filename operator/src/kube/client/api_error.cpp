#include "kube/client/api_error.hpp"

#include <nlohmann/json.hpp>

#include "kube/json/json_fields.hpp"

namespace labfleet::kube {

namespace {

ErrorReason reason_for(int http_status, std::string_view status_reason) {
    switch (http_status) {
    case 400: return ErrorReason::BadRequest;
    case 401: return ErrorReason::Unauthorized;
    case 403: return ErrorReason::Forbidden;
    case 404: return ErrorReason::NotFound;
    case 405: return ErrorReason::MethodNotAllowed;
    case 409: return status_reason == "AlreadyExists" ? ErrorReason::AlreadyExists : ErrorReason::Conflict;
    case 410: return ErrorReason::Gone;
    case 422: return ErrorReason::Invalid;
    case 429: return ErrorReason::TooManyRequests;
    case 504: return ErrorReason::Timeout;
    default: break;
    }
    if (status_reason == "Expired" || status_reason == "Gone") return ErrorReason::Gone;
    if (http_status >= 500) return ErrorReason::ServerError;
    return ErrorReason::BadRequest;
}

} // namespace

bool ApiError::retryable() const {
    switch (reason) {
    case ErrorReason::TooManyRequests:
    case ErrorReason::ServerError:
    case ErrorReason::Timeout:
    case ErrorReason::Transport: return true;
    default: return false;
    }
}

std::string ApiError::describe() const {
    std::string text(to_string(reason));
    if (http_status != 0) text += " (" + std::to_string(http_status) + ")";
    if (!message.empty()) text += ": " + message;
    return text;
}

std::string_view to_string(ErrorReason reason) {
    switch (reason) {
    case ErrorReason::BadRequest: return "BadRequest";
    case ErrorReason::Unauthorized: return "Unauthorized";
    case ErrorReason::Forbidden: return "Forbidden";
    case ErrorReason::NotFound: return "NotFound";
    case ErrorReason::MethodNotAllowed: return "MethodNotAllowed";
    case ErrorReason::AlreadyExists: return "AlreadyExists";
    case ErrorReason::Conflict: return "Conflict";
    case ErrorReason::Gone: return "Gone";
    case ErrorReason::Invalid: return "Invalid";
    case ErrorReason::TooManyRequests: return "TooManyRequests";
    case ErrorReason::ServerError: return "ServerError";
    case ErrorReason::Timeout: return "Timeout";
    case ErrorReason::Transport: return "Transport";
    case ErrorReason::Decode: return "Decode";
    }
    return "Unknown";
}

ApiError api_error_from_response(int http_status, std::string_view body,
                                 std::optional<std::chrono::seconds> retry_after) {
    ApiError error;
    error.http_status = http_status;
    error.retry_after = retry_after;
    const auto status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    std::string status_reason;
    if (status.is_object()) {
        status_reason = string_field(status, "reason");
        error.message = string_field(status, "message");
        // A watch ERROR event carries the Status with its own code.
        if (auto code = status.find("code"); http_status == 200 && code != status.end() && code->is_number_integer())
            error.http_status = http_status = code->get<int>();
        if (auto details = status.find("details"); details != status.end() && details->is_object()) {
            if (auto causes = details->find("causes"); causes != details->end() && causes->is_array()) {
                for (const auto& cause : *causes) {
                    if (!cause.is_object()) continue;
                    error.causes.push_back(
                        {string_field(cause, "field"), string_field(cause, "reason"), string_field(cause, "message")});
                }
            }
            if (auto seconds = details->find("retryAfterSeconds");
                !error.retry_after && seconds != details->end() && seconds->is_number_integer())
                error.retry_after = std::chrono::seconds{seconds->get<int>()};
        }
    } else {
        error.message = std::string(body.substr(0, 256));
    }
    error.reason = reason_for(http_status, status_reason);
    return error;
}

ApiError transport_error(std::string_view step, std::string_view detail) {
    ApiError error;
    error.reason = ErrorReason::Transport;
    error.message = std::string(step) + ": " + std::string(detail);
    return error;
}

ApiError timeout_error(std::string_view step, std::chrono::milliseconds after) {
    ApiError error;
    error.reason = ErrorReason::Timeout;
    error.message = std::string(step) + ": no progress for " + std::to_string(after.count()) + " ms";
    return error;
}

} // namespace labfleet::kube
