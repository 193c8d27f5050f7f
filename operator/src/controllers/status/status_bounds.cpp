#include "controllers/status/status_bounds.hpp"

#include "kube/util/text.hpp"

namespace labfleet::controllers {

std::string bounded_message(std::string message) {
    if (message.size() <= max_condition_message_bytes) return message;
    return kube::truncate_utf8_marked(message, max_condition_message_bytes);
}

std::string summarise(const std::vector<std::string>& items, std::string_view separator, std::size_t max_named) {
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < max_named; ++i) {
        if (i > 0) out += separator;
        out += items[i];
    }
    if (items.size() > max_named) out += " and " + std::to_string(items.size() - max_named) + " more";
    return out;
}

} // namespace labfleet::controllers
