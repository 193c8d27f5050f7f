#pragma once
// Clock: the one source of time for the runtime and the controllers, injected
// so that tests drive backoff, leases and TTLs without sleeping.

#include <chrono>

namespace labfleet::kube {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;

class Clock {
public:
    virtual ~Clock() = default;
    /// Wall-clock time: what is written into objects (timestamps, expiresAt).
    virtual WallTime now() const = 0;
    /// Monotonic time: what timeouts and backoff are measured with.
    virtual MonoTime steady_now() const = 0;
};

/// The real clocks.
class SystemClock final : public Clock {
public:
    WallTime now() const override { return std::chrono::system_clock::now(); }
    MonoTime steady_now() const override { return std::chrono::steady_clock::now(); }
};

/// A clock that moves only when told to; both times advance together.
class FakeClock final : public Clock {
public:
    explicit FakeClock(WallTime start = WallTime{std::chrono::seconds{1'700'000'000}})
        : wall_(start) {}
    WallTime now() const override { return wall_; }
    MonoTime steady_now() const override { return mono_; }
    void advance(std::chrono::nanoseconds d) { wall_ += std::chrono::duration_cast<WallTime::duration>(d); mono_ += d; }

private:
    WallTime wall_;
    MonoTime mono_{};
};

} // namespace labfleet::kube
