#pragma once
// metav1.Time: RFC 3339 date-times as the API server writes them
// ("2024-05-01T12:00:00Z"), read strictly and written in UTC seconds.

#include <optional>
#include <string>
#include <string_view>

#include "kube/clock.hpp"

namespace labfleet::api::v1alpha1 {

/// "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; nullopt for anything else.
std::optional<kube::WallTime> parse_timestamp(std::string_view text);
/// "YYYY-MM-DDTHH:MM:SSZ", truncated to the second as metav1.Time is.
std::string format_timestamp(kube::WallTime time);

} // namespace labfleet::api::v1alpha1
