#pragma once
// Differential check of ObjectTrim::parse against Json::parse, shared by the
// fuzz targets that feed it: the same refusals, and the same document less
// the fields the trim drops (compared as dumped text, so the number types
// must agree too). Built for ObjectTrim({last_applied_pointer}).

#include <cstdlib>
#include <string_view>
#include <vector>

#include "kube/cache/object_trim.hpp"

namespace labfleet::kube::fuzz {

/// What `ObjectTrim({last_applied_pointer})` must leave of `object`: erased after a full parse.
inline void erase_trimmed(Json& object) {
    if (!object.is_object()) return;
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) return;
    metadata->erase("managedFields");
    const auto annotations = metadata->find("annotations");
    if (annotations != metadata->end() && annotations->is_object())
        annotations->erase("kubectl.kubernetes.io/last-applied-configuration");
}

/// Aborts unless `trim` parses `text`, read as a watch event (`list` false)
/// or a List body, as Json::parse does less the trimmed fields.
inline void check_trimmed_parse(const ObjectTrim& trim, std::string_view text, bool list) {
    static const std::vector<std::string_view> event_object{"object"};
    static const std::vector<std::string_view> list_items{"items", "*"};
    const Json trimmed = trim.parse(text, list ? list_items : event_object);
    Json full = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (full.is_discarded() != trimmed.is_discarded()) std::abort();
    if (full.is_discarded()) return;
    if (full.is_object()) {
        const auto objects = full.find(list ? "items" : "object");
        if (objects != full.end()) {
            if (!list) erase_trimmed(*objects);
            else if (objects->is_array())
                for (Json& item : *objects) erase_trimmed(item);
        }
    }
    if (full.dump() != trimmed.dump()) std::abort();
}

} // namespace labfleet::kube::fuzz
