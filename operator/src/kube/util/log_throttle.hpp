#pragma once
// LogThrottle: keeps a record that repeats (the same failure, retried with
// backoff) from flooding the log. The first record passes; after it, at most
// one per `interval`, each saying how many were held back since the last one
// that passed. A pure object: the caller passes the time and does the logging.

#include <chrono>
#include <cstddef>
#include <optional>

#include "kube/util/clock.hpp"

namespace labfleet::kube {

class LogThrottle {
public:
    explicit LogThrottle(std::chrono::milliseconds interval) : interval_(interval) {}

    /// Whether the record at `now` is logged: nullopt holds it back; a value
    /// lets it through and is the number held back since the last one logged.
    std::optional<std::size_t> admit(MonoTime now);

private:
    std::chrono::milliseconds interval_;
    std::optional<MonoTime> last_logged_;
    std::size_t held_back_ = 0;
};

} // namespace labfleet::kube
