#include "api/v1alpha1/field_error.hpp"

namespace labfleet::api::v1alpha1 {

std::string FieldError::str() const { return field.empty() ? message : field + ": " + message; }

kube::ApiError to_api_error(const FieldError& error) {
    kube::ApiError api_error;
    api_error.reason = kube::ErrorReason::Decode;
    api_error.message = error.str();
    api_error.causes.push_back({error.field, "FieldValueInvalid", error.message});
    return api_error;
}

FieldError field_error_of(const kube::ApiError& error) {
    if (error.causes.empty()) return {"", error.message};
    return {error.causes.front().field, error.causes.front().message};
}

std::string join(const std::vector<FieldError>& errors) {
    std::string out;
    for (const auto& error : errors) {
        if (!out.empty()) out += "; ";
        out += error.str();
    }
    return out;
}

} // namespace labfleet::api::v1alpha1
