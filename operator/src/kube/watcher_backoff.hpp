#pragma once
// WatcherBackoff: the delay before a watcher retries after a failure —
// exponential (800 ms → 30 s, ×2) with jitter, reset once the watcher has been
// healthy for a while. Private to the watcher until a shared backoff exists.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "kube/clock.hpp"

namespace labfleet::kube {

struct WatcherBackoffOptions {
    std::chrono::milliseconds initial{800};
    std::chrono::milliseconds max{30'000};
    double factor = 2.0;
    /// Each delay is shortened by up to this fraction, at random, so many
    /// watchers failing together do not retry together.
    double jitter = 0.2;
    /// Healthy this long since the last failure → the next failure starts at `initial` again.
    std::chrono::milliseconds reset_after{std::chrono::minutes{2}};
    std::uint32_t seed = 0;  // 0: seeded from std::random_device
};

class WatcherBackoff {
public:
    explicit WatcherBackoff(WatcherBackoffOptions options = {});

    /// The delay to sleep after a failure observed at `now`.
    std::chrono::milliseconds next_delay(MonoTime now);
    /// Records progress (a page, an opened watch, an event) at `now`.
    void healthy(MonoTime now);
    /// Failures since the last reset.
    int attempts() const { return attempts_; }

private:
    WatcherBackoffOptions options_;
    int attempts_ = 0;
    std::optional<MonoTime> healthy_since_;
    std::mt19937 random_;
};

} // namespace labfleet::kube
