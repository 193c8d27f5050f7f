#include "kube/watcher_backoff.hpp"

#include <algorithm>
#include <cmath>

namespace labfleet::kube {

WatcherBackoff::WatcherBackoff(WatcherBackoffOptions options)
    : options_(options), random_(options.seed != 0 ? options.seed : std::random_device{}()) {}

std::chrono::milliseconds WatcherBackoff::next_delay(MonoTime now) {
    if (healthy_since_ && now - *healthy_since_ >= options_.reset_after) attempts_ = 0;
    healthy_since_.reset();
    const double base = static_cast<double>(options_.initial.count()) *
                        std::pow(options_.factor, std::min(attempts_, 62));
    const double capped = std::min(base, static_cast<double>(options_.max.count()));
    ++attempts_;
    std::uniform_real_distribution<double> shortening(0.0, std::clamp(options_.jitter, 0.0, 1.0));
    return std::chrono::milliseconds{static_cast<std::int64_t>(capped * (1.0 - shortening(random_)))};
}

void WatcherBackoff::healthy(MonoTime now) {
    if (!healthy_since_) healthy_since_ = now;
}

} // namespace labfleet::kube
