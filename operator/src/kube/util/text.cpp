#include "kube/util/text.hpp"

namespace labfleet::kube {

std::string truncate_utf8(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return std::string(text);
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return std::string(text.substr(0, end));
}

std::string truncate_utf8_marked(std::string_view text, std::size_t limit, std::string_view marker) {
    if (text.size() <= limit) return std::string(text);
    if (marker.size() >= limit) return truncate_utf8(marker, limit);
    return truncate_utf8(text, limit - marker.size()) + std::string(marker);
}

} // namespace labfleet::kube
