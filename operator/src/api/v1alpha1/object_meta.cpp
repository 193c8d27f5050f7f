#include "api/v1alpha1/object_meta.hpp"

#include <limits>

namespace labfleet::api::v1alpha1 {

ObjectMeta decode_object_meta(const FieldReader& object) {
    FieldReader meta(object.object("metadata", true), object.path_of("metadata"), object.state());
    ObjectMeta out;
    out.generate_name = meta.string_or("generateName", "");
    if (out.generate_name.empty()) out.name = meta.required_string("name");
    else out.name = meta.string_or("name", "");
    out.uid = meta.string_or("uid", "");
    out.generation = meta.integer_or("generation", 0, 0, std::numeric_limits<std::int64_t>::max());
    out.resource_version = meta.string_or("resourceVersion", "");
    out.creation_timestamp = meta.optional_time("creationTimestamp");
    out.labels = meta.string_map("labels");
    out.annotations = meta.string_map("annotations");
    out.deletion_timestamp = meta.optional_time("deletionTimestamp");
    return out;
}

} // namespace labfleet::api::v1alpha1
