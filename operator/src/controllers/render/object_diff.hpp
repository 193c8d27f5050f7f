#pragma once
// ObjectDiff: does a live object already hold everything we would apply?
// Server-side apply sends only the fields we own, and the server adds
// defaults, status and metadata of its own, so "in sync" means every field of
// the desired object equals the live one — never the other way round.

#include <optional>
#include <string>

#include "kube/json/json.hpp"

namespace labfleet::controllers {

/// The JSON path of the first field of `desired` that `live` lacks or holds
/// differently ("spec.template.spec.containers[0].image"), or nullopt when
/// `desired` is a subset of `live`. Objects compare key by key (extra live
/// keys are ignored); arrays element by element and must be of equal length
/// (an extra element is a change we would undo); scalars by value, numbers
/// by numeric value. A desired null means "absent": a live object lacking the
/// key (or an enclosing object holding nothing but such nulls) is in sync.
std::optional<std::string> first_difference(const kube::Json& desired, const kube::Json& live);

/// True for a desired value that asks for absence: a null, or a non-empty
/// object holding only such values.
bool means_absent(const kube::Json& desired);

/// `object` without the values that mean absent: what is sent. Server-side
/// apply does not read a null as "remove" (a null annotation is stored as
/// ""); a field Labfleet stops sending is what it removes.
kube::Json without_absent(kube::Json object);

/// True when `live` already holds every field of `desired`: applying it
/// would change nothing.
inline bool is_in_sync(const kube::Json& desired, const kube::Json& live) {
    return !first_difference(desired, live).has_value();
}

} // namespace labfleet::controllers
