#include "plugin/field_changes.hpp"

#include "controllers/render/object_diff.hpp"

namespace labfleet::plugin {
namespace {

void collect(const kube::Json& desired, const kube::Json& live, const std::string& path,
             std::vector<FieldChange>& out) {
    if (controllers::is_in_sync(desired, live)) return;
    if (desired.is_object() && live.is_object()) {
        for (const auto& [key, value] : desired.items()) {
            const std::string child = path.empty() ? key : path + "." + key;
            const auto found = live.find(key);
            if (found != live.end()) collect(value, *found, child, out);
            else if (!controllers::means_absent(value)) out.push_back({child, std::nullopt, value});
        }
        return;
    }
    if (desired.is_array() && live.is_array() && desired.size() == live.size()) {
        for (std::size_t i = 0; i < desired.size(); ++i)
            collect(desired[i], live[i], path + "[" + std::to_string(i) + "]", out);
        return;
    }
    out.push_back({path.empty() ? "<root>" : path, live, desired});
}

std::string shown(const kube::Json& value, std::size_t max_value) {
    std::string text = value.dump();
    if (text.size() <= max_value) return text;
    std::size_t cut = max_value;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
    return text.substr(0, cut) + "...";
}

} // namespace

std::vector<FieldChange> field_changes(const kube::Json& desired, const kube::Json& live) {
    std::vector<FieldChange> out;
    collect(desired, live, "", out);
    return out;
}

std::string format_change(const FieldChange& change, std::size_t max_value) {
    return change.path + ": " + (change.live ? shown(*change.live, max_value) : "<absent>") + " -> " +
           shown(change.desired, max_value);
}

} // namespace labfleet::plugin
