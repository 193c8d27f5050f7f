#pragma once
// Backoff: the delay before re-trying a failing stream (re-watch, re-list),
// as client-go's reflector does it: 800 ms doubling to 30 s with jitter, back
// to the start once an attempt has stayed healthy for 2 min. A pure object:
// the caller sleeps, this only says for how long.

#include <chrono>
#include <functional>
#include <optional>

#include "kube/util/clock.hpp"

namespace labfleet::kube {

struct BackoffPolicy {
    std::chrono::milliseconds initial{800};
    std::chrono::milliseconds max{30'000};
    double factor = 2.0;
    /// The delay is spread uniformly over base·[1-jitter, 1+jitter], capped at max,
    /// so replicas that failed together do not retry together.
    double jitter = 0.2;
    /// An attempt that ran this long without failing resets the growth.
    std::chrono::milliseconds reset_after{120'000};
};

class Backoff {
public:
    /// Returns a number in [0, 1); injected so tests see exact delays.
    using RandomSource = std::function<double()>;

    explicit Backoff(const Clock& clock, BackoffPolicy policy = {}, RandomSource random = {});

    /// The delay before the next attempt; call it once per failure. Growth
    /// restarts from `initial` when the previous attempt began more than
    /// `reset_after` ago (it was healthy that long).
    std::chrono::milliseconds next_delay();
    /// As next_delay(), stretched to a server's Retry-After when that is
    /// longer, but never past `max`: a hint is advice, and obeying one of
    /// minutes would stall the caller past the liveness window built on `max`.
    std::chrono::milliseconds next_delay(std::optional<std::chrono::milliseconds> retry_after);
    /// Forgets past failures (e.g. after a successful relist).
    void reset();
    /// The base (jitter-free) delay the next failure would use.
    std::chrono::milliseconds current_base() const { return base_; }

private:
    const Clock& clock_;
    BackoffPolicy policy_;
    RandomSource random_;
    std::chrono::milliseconds base_;
    std::optional<MonoTime> attempt_started_;  // when the last delay ended
};

} // namespace labfleet::kube
