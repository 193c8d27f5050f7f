#pragma once
// StatusPatch: the merge patch a reconciler sends to a `/status`
// subresource, and the lenient reads it needs of objects that do not decode
// (so even a broken object gets a Degraded condition).

#include <string>
#include <vector>

#include "api/v1alpha1/condition.hpp"
#include "api/v1alpha1/object_meta.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers {

/// {"metadata":{"resourceVersion":RV},"status":STATUS}: the resourceVersion
/// makes the write fail with Conflict when the cache was stale, so a status
/// computed from an old generation never lands.
inline kube::Json status_merge_patch(const std::string& resource_version, kube::Json status) {
    return {{"metadata", {{"resourceVersion", resource_version}}}, {"status", std::move(status)}};
}

/// The metadata and status.conditions of an object as far as they decode.
struct LenientHeader {
    api::v1alpha1::ObjectMeta metadata;
    std::vector<api::v1alpha1::Condition> conditions;
};
LenientHeader read_lenient_header(const kube::Json& object);

/// What an Event's `regarding` needs of a cached object (list items may lack kind).
kube::Json event_regarding(const kube::Json& object, const std::string& api_version, const std::string& kind);

} // namespace labfleet::controllers
