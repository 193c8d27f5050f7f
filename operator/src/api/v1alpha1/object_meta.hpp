#pragma once
// ObjectMeta: the metadata fields the controllers read.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "api/v1alpha1/field_reader.hpp"
#include "kube/util/clock.hpp"
#include "kube/json/json.hpp"

namespace labfleet::api::v1alpha1 {

struct ObjectMeta {
    std::string name;
    std::string generate_name;
    std::string uid;
    std::int64_t generation = 0;
    std::string resource_version;
    std::optional<kube::WallTime> creation_timestamp;
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> annotations;
    std::optional<kube::WallTime> deletion_timestamp;
};

/// Reads `metadata` of `object`; a missing name is an error unless
/// generateName is set (an object not yet created).
ObjectMeta decode_object_meta(const FieldReader& object);

} // namespace labfleet::api::v1alpha1
