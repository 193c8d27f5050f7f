#pragma once
// Image tags and digests as the CRDs accept them: a tag
// `^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$` or a digest `^sha256:[a-f0-9]{64}$`.

#include <optional>
#include <string>
#include <string_view>

namespace labfleet::api::v1alpha1 {

bool is_tag(std::string_view text);
bool is_digest(std::string_view text);
/// What joins a repository and `tag` into a reference: '@' before a digest, ':' before a tag.
char reference_separator(std::string_view tag);
/// Why `text` is neither a tag nor a digest; nullopt when it is one.
std::optional<std::string> tag_error(std::string_view text);
/// Why `text` cannot be a channel (a target's spec.channel, a lease's
/// spec.base): a channel names a tag, never a digest; nullopt when it is one.
std::optional<std::string> channel_error(std::string_view text);

} // namespace labfleet::api::v1alpha1
