#pragma once
// Helpers for the decode tests of the four kinds.

#include <catch2/catch.hpp>

#include "api/v1alpha1/field_error.hpp"
#include "kube/json/json.hpp"

namespace labfleet::api::v1alpha1::testing {

/// The field named by a failed decode of `json` as kind T.
template <class T>
FieldError decode_failure(const kube::Json& json) {
    auto result = T::from_json(json);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == kube::ErrorReason::Decode);
    return field_error_of(result.error());
}

template <class T>
T decode(const kube::Json& json) {
    auto result = T::from_json(json);
    if (!result.ok()) FAIL(result.error().message);
    return std::move(result).value();
}

} // namespace labfleet::api::v1alpha1::testing
