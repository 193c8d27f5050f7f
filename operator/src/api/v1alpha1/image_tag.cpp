#include "api/v1alpha1/image_tag.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
bool is_word(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}
} // namespace

bool is_tag(std::string_view text) {
    if (text.empty() || text.size() > 128 || !is_word(text.front())) return false;
    for (char c : text)
        if (!is_word(c) && c != '.' && c != '-') return false;
    return true;
}

bool is_digest(std::string_view text) {
    constexpr std::string_view prefix = "sha256:";
    if (text.size() != prefix.size() + 64 || text.substr(0, prefix.size()) != prefix) return false;
    for (char c : text.substr(prefix.size()))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

char reference_separator(std::string_view tag) { return is_digest(tag) ? '@' : ':'; }

std::optional<std::string> tag_error(std::string_view text) {
    if (is_tag(text) || is_digest(text)) return std::nullopt;
    if (text.substr(0, 7) == "sha256:")
        return "invalid digest \"" + std::string(text) + "\": expected sha256: and 64 lowercase hex digits";
    return "invalid tag \"" + std::string(text) +
           "\": expected 1-128 characters [A-Za-z0-9_.-] not starting with '.' or '-', or sha256:<64 hex>";
}

std::optional<std::string> channel_error(std::string_view text) {
    if (is_tag(text)) return std::nullopt;
    return "invalid channel \"" + std::string(text) +
           "\": expected a tag such as prod or stg (1-128 characters [A-Za-z0-9_.-] not starting with '.' or '-'; "
           "not a digest)";
}

} // namespace labfleet::api::v1alpha1
