#pragma once
// FieldChanges: what `kubectl labfleet diff` prints for an object that the
// cluster holds differently: each field that differs, with the live value and
// the desired one. Whether a field differs is the operator's own rule for "in
// sync" (controllers::first_difference), applied field by field, so diff
// reports exactly what the operator would change.

#include <optional>
#include <string>
#include <vector>

#include "kube/json/json.hpp"

namespace labfleet::plugin {

struct FieldChange {
    std::string path;               // "spec.template.spec.containers[0].image"; "<root>" for the whole object
    std::optional<kube::Json> live; // nullopt: the live object lacks the field
    kube::Json desired;
    friend bool operator==(const FieldChange&, const FieldChange&) = default;
};

/// Every leaf-most field of `desired` that `live` lacks or holds differently,
/// in the desired object's key order. Objects are compared key by key (extra
/// live keys are not changes); arrays of equal length element by element, of
/// unequal length as one change of the whole array. Empty when in sync.
std::vector<FieldChange> field_changes(const kube::Json& desired, const kube::Json& live);

/// One line: `PATH: LIVE -> DESIRED`, values as compact JSON (`<absent>` for a
/// missing live value), each cut to `max_value` characters with "...".
std::string format_change(const FieldChange& change, std::size_t max_value = 120);

} // namespace labfleet::plugin
