#include "kube/cache/backoff.hpp"

#include <algorithm>
#include <random>

namespace labfleet::kube {

namespace {
Backoff::RandomSource default_random() {
    return [engine = std::minstd_rand{std::random_device{}()}]() mutable {
        return std::uniform_real_distribution<double>{0.0, 1.0}(engine);
    };
}
} // namespace

Backoff::Backoff(const Clock& clock, BackoffPolicy policy, RandomSource random)
    : clock_(clock), policy_(policy), random_(random ? std::move(random) : default_random()),
      base_(policy.initial) {}

std::chrono::milliseconds Backoff::next_delay() { return next_delay(std::nullopt); }

std::chrono::milliseconds Backoff::next_delay(std::optional<std::chrono::milliseconds> retry_after) {
    const MonoTime now = clock_.steady_now();
    if (attempt_started_ && now - *attempt_started_ >= policy_.reset_after) base_ = policy_.initial;

    const double r = std::clamp(random_(), 0.0, 1.0);
    const double spread = 1.0 + policy_.jitter * (2.0 * r - 1.0);
    const double jittered = static_cast<double>(base_.count()) * spread;
    auto delay = std::clamp(std::chrono::milliseconds{static_cast<long long>(jittered)},
                            std::chrono::milliseconds{0}, policy_.max);
    if (retry_after) delay = std::clamp(*retry_after, delay, policy_.max);

    const double grown = static_cast<double>(base_.count()) * policy_.factor;
    base_ = grown >= static_cast<double>(policy_.max.count())
                ? policy_.max
                : std::chrono::milliseconds{static_cast<long long>(grown)};
    attempt_started_ = now + delay;
    return delay;
}

void Backoff::reset() {
    base_ = policy_.initial;
    attempt_started_.reset();
}

} // namespace labfleet::kube
