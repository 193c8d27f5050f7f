#pragma once
// ObjectTrim: removes from an object what the cache never reads
// (metadata.managedFields always, plus caller-given JSON pointers), so the
// informer cache grows with the fleet, not with the cluster's field history.

#include <string>
#include <vector>

#include "kube/json.hpp"

namespace labfleet::kube {

/// The last-applied annotation kubectl writes: a full copy of the object, never read by us.
inline constexpr const char* last_applied_pointer =
    "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration";

class ObjectTrim {
public:
    /// Drops only metadata.managedFields.
    ObjectTrim() = default;
    /// Also drops each RFC 6901 pointer in `pointers`; a malformed pointer is
    /// bad start-up configuration and throws nlohmann::json::parse_error.
    explicit ObjectTrim(const std::vector<std::string>& pointers);

    /// Removes the trimmed fields from `object` in place; absent ones are ignored.
    void apply(Json& object) const;

private:
    std::vector<Json::json_pointer> pointers_;
};

} // namespace labfleet::kube
