#include "kube/cache/watch_event.hpp"

#include <optional>

namespace labfleet::kube {

namespace {

std::optional<WatchEventType> event_type_of(std::string_view text) {
    if (text == "ADDED") return WatchEventType::Added;
    if (text == "MODIFIED") return WatchEventType::Modified;
    if (text == "DELETED") return WatchEventType::Deleted;
    if (text == "BOOKMARK") return WatchEventType::Bookmark;
    return std::nullopt;
}

const std::string* string_at(const Json& object, const char* field) {
    auto it = object.find(field);
    return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

bool marks_initial_events_end(const Json& metadata) {
    auto annotations = metadata.find("annotations");
    if (annotations == metadata.end() || !annotations->is_object()) return false;
    const std::string* value = string_at(*annotations, "k8s.io/initial-events-end");
    return value != nullptr && *value == "true";
}

} // namespace

ApiError decode_error(std::string_view what, std::string_view detail) {
    ApiError error;
    error.reason = ErrorReason::Decode;
    error.message = std::string(what) + ": " + std::string(detail);
    return error;
}

Result<WatchEvent> parse_watch_event(std::string_view line, const ObjectTrim& trim) {
    static const std::vector<std::string_view> object_at{"object"};
    Json event = trim.parse(line, object_at);
    if (!event.is_object()) return decode_error("watch event", "not a JSON object");
    const std::string* type_text = string_at(event, "type");
    auto object = event.find("object");
    if (type_text == nullptr) return decode_error("watch event", "no type");
    if (object == event.end() || !object->is_object()) return decode_error("watch event", "no object");
    if (*type_text == "ERROR") return api_error_from_response(200, object->dump());

    auto type = event_type_of(*type_text);
    if (!type) return decode_error("watch event", "unknown type " + type_text->substr(0, 32));
    auto metadata = object->find("metadata");
    if (metadata == object->end() || !metadata->is_object()) return decode_error("watch event", "no metadata");
    const std::string* resource_version = string_at(*metadata, "resourceVersion");
    if (resource_version == nullptr || resource_version->empty())
        return decode_error("watch event", "no metadata.resourceVersion");
    if (*type != WatchEventType::Bookmark) {
        const std::string* name = string_at(*metadata, "name");
        if (name == nullptr || name->empty()) return decode_error("watch event", "no metadata.name");
    }

    WatchEvent decoded;
    decoded.type = *type;
    decoded.resource_version = *resource_version;
    decoded.initial_events_end = *type == WatchEventType::Bookmark && marks_initial_events_end(*metadata);
    decoded.object = std::make_shared<const Json>(std::move(*object));
    return decoded;
}

std::string_view to_string(WatchEventType type) {
    switch (type) {
    case WatchEventType::Added: return "ADDED";
    case WatchEventType::Modified: return "MODIFIED";
    case WatchEventType::Deleted: return "DELETED";
    case WatchEventType::Bookmark: return "BOOKMARK";
    }
    return "UNKNOWN";
}

} // namespace labfleet::kube
