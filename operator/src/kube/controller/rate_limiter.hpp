#pragma once
// RateLimiter: how long a failing key waits before its retry, as client-go's
// default controller rate limiter: the larger of a per-key exponential delay
// (5 ms doubling to 1000 s) and an overall token bucket (10 qps, burst 100)
// that keeps a storm of failures from hammering the API server.

#include <chrono>
#include <string>
#include <unordered_map>

#include "kube/util/clock.hpp"

namespace labfleet::kube {

struct RateLimiterOptions {
    std::chrono::nanoseconds base_delay = std::chrono::milliseconds{5};
    std::chrono::nanoseconds max_delay = std::chrono::seconds{1000};
    double qps = 10.0;   // bucket refill rate; <= 0 disables the bucket
    int burst = 100;     // bucket size
};

class RateLimiter {
public:
    explicit RateLimiter(const Clock& clock, RateLimiterOptions options = {});

    /// The delay before `key` is retried; counts one more failure for it and
    /// takes one token from the bucket.
    std::chrono::nanoseconds when(const std::string& key);
    /// Forgets the failures of `key` (it succeeded or is gone).
    void forget(const std::string& key) { failures_.erase(key); }
    /// Failures counted for `key` since it was last forgotten.
    int retries(const std::string& key) const;

private:
    std::chrono::nanoseconds exponential(const std::string& key);
    std::chrono::nanoseconds reserve_token();

    const Clock& clock_;
    RateLimiterOptions options_;
    std::unordered_map<std::string, int> failures_;
    double tokens_;       // may go negative: reservations ahead of the refill
    MonoTime refilled_at_;
};

} // namespace labfleet::kube
