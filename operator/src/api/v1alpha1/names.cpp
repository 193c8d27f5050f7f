#include "api/v1alpha1/names.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
} // namespace

bool is_dns_label(std::string_view text) {
    if (text.empty() || text.size() > 63) return false;
    if (!is_lower_alnum(text.front()) || !is_lower_alnum(text.back())) return false;
    for (char c : text)
        if (!is_lower_alnum(c) && c != '-') return false;
    return true;
}

bool is_dns1035_label(std::string_view text) {
    return is_dns_label(text) && text.front() >= 'a' && text.front() <= 'z';
}

bool is_dns_subdomain(std::string_view text) {
    if (text.empty() || text.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = text.find('.', start);
        if (!is_dns_label(text.substr(start, dot == std::string_view::npos ? dot : dot - start)))
            return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

} // namespace labfleet::api::v1alpha1
