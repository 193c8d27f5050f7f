#include "kube/util/log_throttle.hpp"

#include <catch2/catch.hpp>

using namespace labfleet::kube;
using namespace std::chrono_literals;

TEST_CASE("LogThrottle lets the first record through, then one per interval with the count held back") {
    LogThrottle throttle(10s);
    const MonoTime t0{};
    CHECK(throttle.admit(t0) == 0u);
    CHECK_FALSE(throttle.admit(t0 + 1s));
    CHECK_FALSE(throttle.admit(t0 + 9s));
    CHECK(throttle.admit(t0 + 10s) == 2u);
    CHECK_FALSE(throttle.admit(t0 + 19s));
    CHECK(throttle.admit(t0 + 60s) == 1u);  // after a quiet spell, at once
    CHECK(throttle.admit(t0 + 70s) == 0u);
}
