#include "controllers/render/object_diff.hpp"

namespace labfleet::controllers {

bool means_absent(const kube::Json& desired) {
    if (desired.is_null()) return true;
    if (!desired.is_object() || desired.empty()) return false;
    for (const auto& [key, value] : desired.items())
        if (!means_absent(value)) return false;
    return true;
}

kube::Json without_absent(kube::Json object) {
    if (object.is_object()) {
        for (auto it = object.begin(); it != object.end();) {
            if (means_absent(*it)) {
                it = object.erase(it);
            } else {
                *it = without_absent(std::move(*it));
                ++it;
            }
        }
    } else if (object.is_array()) {
        for (auto& item : object) item = without_absent(std::move(item));
    }
    return object;
}

namespace {
std::optional<std::string> difference_at(const kube::Json& desired, const kube::Json& live, const std::string& path) {
    const auto here = [&]() { return path.empty() ? std::string("<root>") : path; };
    if (desired.is_object()) {
        if (!live.is_object()) return here();
        for (const auto& [key, value] : desired.items()) {
            const std::string child = path.empty() ? key : path + "." + key;
            const auto found = live.find(key);
            if (found == live.end()) {
                // A desired null means "absent": absent live is in sync.
                if (means_absent(value)) continue;
                return child;
            }
            if (auto difference = difference_at(value, *found, child)) return difference;
        }
        return std::nullopt;
    }
    if (desired.is_array()) {
        if (!live.is_array() || live.size() != desired.size()) return here();
        for (std::size_t i = 0; i < desired.size(); ++i)
            if (auto difference = difference_at(desired[i], live[i], path + "[" + std::to_string(i) + "]"))
                return difference;
        return std::nullopt;
    }
    // nlohmann compares integer, unsigned and float numerically.
    return desired == live ? std::nullopt : std::optional(here());
}
} // namespace

std::optional<std::string> first_difference(const kube::Json& desired, const kube::Json& live) {
    return difference_at(desired, live, "");
}

} // namespace labfleet::controllers
