#include "kube/util/log_throttle.hpp"

namespace labfleet::kube {

std::optional<std::size_t> LogThrottle::admit(MonoTime now) {
    if (last_logged_ && now - *last_logged_ < interval_) {
        ++held_back_;
        return std::nullopt;
    }
    last_logged_ = now;
    const std::size_t held_back = held_back_;
    held_back_ = 0;
    return held_back;
}

} // namespace labfleet::kube
