#include "kube/json/json_fields.hpp"

namespace labfleet::kube {

std::string string_field(const Json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string string_at(const Json& object, const char* pointer) {
    const Json::json_pointer ptr(pointer);
    if (!object.is_object() || !object.contains(ptr)) return {};
    const auto& value = object.at(ptr);
    return value.is_string() ? value.get<std::string>() : std::string{};
}

std::string string_in(const Json& object, const char* pointer, const std::string& key) {
    const Json::json_pointer ptr(pointer);
    if (!object.is_object() || !object.contains(ptr)) return {};
    const auto& map = object.at(ptr);
    if (!map.is_object()) return {};
    const auto value = map.find(key);
    return value != map.end() && value->is_string() ? value->get<std::string>() : std::string{};
}

const std::string* find_label(const Json& object, const std::string& key) {
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) return nullptr;
    const auto labels = metadata->find("labels");
    if (labels == metadata->end() || !labels->is_object()) return nullptr;
    const auto value = labels->find(key);
    return value != labels->end() && value->is_string() ? &value->get_ref<const std::string&>() : nullptr;
}

std::string label_of(const Json& object, const std::string& key) {
    const std::string* value = find_label(object, key);
    return value ? *value : std::string{};
}

} // namespace labfleet::kube
