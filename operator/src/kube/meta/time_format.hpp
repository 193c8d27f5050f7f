#pragma once
// RFC 3339 timestamps as the Kubernetes API writes them: metav1.Time
// ("2026-01-02T03:04:05Z") and metav1.MicroTime ("2026-01-02T03:04:05.000000Z").

#include <optional>
#include <string>
#include <string_view>

#include "kube/util/clock.hpp"

namespace labfleet::kube {

/// UTC with whole seconds (truncated), as metav1.Time: "2026-01-02T03:04:05Z".
std::string format_rfc3339(WallTime t);
/// UTC with exactly six fractional digits, as metav1.MicroTime: "2026-01-02T03:04:05.000000Z".
std::string format_rfc3339_micro(WallTime t);
/// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)"; nullopt when malformed
/// or out of range. Fractions beyond nanoseconds are truncated.
std::optional<WallTime> parse_rfc3339(std::string_view text);

} // namespace labfleet::kube
