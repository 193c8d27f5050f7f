#pragma once
// FieldError: one problem with one field of an object, named by its path
// ("spec.images.files.port"), so users see exactly what to fix.

#include <string>
#include <vector>

#include "kube/client/api_error.hpp"

namespace labfleet::api::v1alpha1 {

struct FieldError {
    std::string field;    // "spec.overrides[1].target"
    std::string message;  // "expected integer 1..65535"

    /// "field: message".
    std::string str() const;
    friend bool operator==(const FieldError&, const FieldError&) = default;
};

/// A decode failure is a FieldError too.
using DecodeError = FieldError;

/// An ApiError of reason Decode carrying the field as its one cause, so that
/// decode failures travel in kube::Result like every other expected failure.
kube::ApiError to_api_error(const FieldError& error);
/// The field error inside an ApiError built by to_api_error (field empty when
/// the error has no cause).
FieldError field_error_of(const kube::ApiError& error);

/// "a: x; b: y" — for conditions and logs.
std::string join(const std::vector<FieldError>& errors);

} // namespace labfleet::api::v1alpha1
