#include "api/v1alpha1/names.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

/// 1-63 of [A-Za-z0-9-_.], starting and ending alphanumeric.
bool is_name_part(std::string_view text) {
    if (text.empty() || text.size() > 63) return false;
    if (!is_alnum(text.front()) || !is_alnum(text.back())) return false;
    for (char c : text)
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

/// [a-z0-9]([-a-z0-9]*[a-z0-9])? of any length.
bool is_dns_part(std::string_view text) {
    if (text.empty() || !is_lower_alnum(text.front()) || !is_lower_alnum(text.back())) return false;
    for (char c : text)
        if (!is_lower_alnum(c) && c != '-') return false;
    return true;
}
} // namespace

bool is_dns_label(std::string_view text) { return text.size() <= 63 && is_dns_part(text); }

bool is_dns1035_label(std::string_view text) {
    return is_dns_label(text) && text.front() >= 'a' && text.front() <= 'z';
}

bool is_dns_subdomain(std::string_view text) {
    if (text.empty() || text.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = text.find('.', start);
        if (!is_dns_part(text.substr(start, dot == std::string_view::npos ? dot : dot - start)))
            return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

bool is_qualified_name(std::string_view text) {
    const std::size_t slash = text.find('/');
    if (slash == std::string_view::npos) return is_name_part(text);
    return is_dns_subdomain(text.substr(0, slash)) && is_name_part(text.substr(slash + 1));
}

bool is_label_value(std::string_view text) { return text.empty() || is_name_part(text); }

} // namespace labfleet::api::v1alpha1
