#pragma once
// Go-style durations as the CRDs spell them ("90s", "1h30m", "1.5h", "500ms"):
// units ms, s, m, h only, from 1ms to 87840h, at millisecond resolution.

#include <chrono>
#include <string>
#include <string_view>

#include "kube/client/result.hpp"

namespace labfleet::api::v1alpha1 {

/// Parses `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$` as Go's time.ParseDuration does
/// (in nanoseconds), truncated to milliseconds; accepts 1ms to 87840h (10
/// years) as the CRDs do, and rejects signs, spaces, missing units and totals
/// outside that range (Decode error with no field; callers add it).
kube::Result<std::chrono::milliseconds> parse_duration(std::string_view text);

/// The shortest form parse_duration reads back: "1h30m", "90ms", "2h0m5s"
/// is written "2h5s"; zero is "0s".
std::string format_duration(std::chrono::milliseconds duration);

} // namespace labfleet::api::v1alpha1
