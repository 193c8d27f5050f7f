#pragma once
// A nested `{tag: ...}` field, as the image overrides of Workloads and
// EnvironmentLeases carry it: read leniently, then checked against image_tag.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/v1alpha1/field_error.hpp"
#include "api/v1alpha1/field_reader.hpp"

namespace labfleet::api::v1alpha1 {

/// `parent.key.tag` (required once `key` is present); nullopt when `key` is absent.
std::optional<std::string> decode_nested_tag(const FieldReader& parent, std::string_view key);

/// Adds an error at `field` when `tag` is set but is neither a tag nor a digest.
void check_tag(std::vector<FieldError>& errors, const std::optional<std::string>& tag, std::string field);

} // namespace labfleet::api::v1alpha1
