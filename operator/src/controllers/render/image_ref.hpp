#pragma once
// Image references: `registry/repository:tag`, or `registry/repository@sha256:...`
// when the tag is a digest; the registry prefix is omitted when empty.

#include <string>
#include <string_view>

namespace labfleet::controllers {

/// Joins the parts; slashes at the registry's end or the repository's start
/// are not doubled.
std::string image_ref(std::string_view registry, std::string_view repository, std::string_view tag);

} // namespace labfleet::controllers
