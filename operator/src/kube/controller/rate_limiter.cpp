#include "kube/controller/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace labfleet::kube {

RateLimiter::RateLimiter(const Clock& clock, RateLimiterOptions options)
    : clock_(clock), options_(options), tokens_(options.burst), refilled_at_(clock.steady_now()) {}

std::chrono::nanoseconds RateLimiter::when(const std::string& key) {
    return std::max(exponential(key), reserve_token());
}

int RateLimiter::retries(const std::string& key) const {
    const auto it = failures_.find(key);
    return it == failures_.end() ? 0 : it->second;
}

std::chrono::nanoseconds RateLimiter::exponential(const std::string& key) {
    const int exponent = failures_[key]++;
    // Computed in floating point so large exponents saturate instead of overflowing.
    const double delay = static_cast<double>(options_.base_delay.count()) * std::pow(2.0, exponent);
    if (delay >= static_cast<double>(options_.max_delay.count())) return options_.max_delay;
    return std::chrono::nanoseconds{static_cast<long long>(delay)};
}

std::chrono::nanoseconds RateLimiter::reserve_token() {
    if (options_.qps <= 0) return std::chrono::nanoseconds{0};
    const MonoTime now = clock_.steady_now();
    const double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
    tokens_ = std::min(static_cast<double>(options_.burst), tokens_ + elapsed * options_.qps);
    refilled_at_ = now;
    tokens_ -= 1.0;
    if (tokens_ >= 0) return std::chrono::nanoseconds{0};
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(-tokens_ / options_.qps));
}

} // namespace labfleet::kube
