#include <catch2/catch.hpp>

#include "kube/controller/rate_limiter.hpp"

using namespace labfleet::kube;
using namespace std::chrono_literals;

TEST_CASE("RateLimiter per-key delay doubles from 5 ms and caps at 1000 s") {
    FakeClock clock;
    RateLimiter limiter(clock, {.qps = 0});
    CHECK(limiter.when("a") == 5ms);
    CHECK(limiter.when("a") == 10ms);
    CHECK(limiter.when("a") == 20ms);
    CHECK(limiter.when("b") == 5ms);  // keys are independent
    CHECK(limiter.retries("a") == 3);
    for (int i = 0; i < 40; ++i) (void)limiter.when("a");
    CHECK(limiter.when("a") == 1000s);
    for (int i = 0; i < 2000; ++i) (void)limiter.when("a");  // no overflow
    CHECK(limiter.when("a") == 1000s);
}

TEST_CASE("RateLimiter forget resets a key's failures") {
    FakeClock clock;
    RateLimiter limiter(clock, {.qps = 0});
    (void)limiter.when("a");
    (void)limiter.when("a");
    limiter.forget("a");
    CHECK(limiter.retries("a") == 0);
    CHECK(limiter.when("a") == 5ms);
}

TEST_CASE("RateLimiter bucket limits the overall rate after the burst") {
    FakeClock clock;
    RateLimiter limiter(clock, {.base_delay = 1ns, .max_delay = 1ns, .qps = 10, .burst = 3});
    CHECK(limiter.when("a") == 1ns);
    CHECK(limiter.when("b") == 1ns);
    CHECK(limiter.when("c") == 1ns);
    CHECK(limiter.when("d") == 100ms);  // bucket empty: one token per 100 ms
    CHECK(limiter.when("e") == 200ms);
    clock.advance(200ms);               // two tokens refilled, both already reserved
    CHECK(limiter.when("f") == 100ms);
    clock.advance(10s);                 // refills up to the burst only
    for (int i = 0; i < 3; ++i) CHECK(limiter.when("g" + std::to_string(i)) == 1ns);
    CHECK(limiter.when("h") == 100ms);
}

TEST_CASE("RateLimiter takes the larger of both delays") {
    FakeClock clock;
    RateLimiter limiter(clock, {.base_delay = 150ms, .max_delay = 10s, .qps = 10, .burst = 1});
    CHECK(limiter.when("a") == 150ms);  // token available, per-key 150 ms
    CHECK(limiter.when("b") == 150ms);  // bucket says 100 ms, per-key 150 ms
    CHECK(limiter.when("c") == 200ms);  // bucket says 200 ms
}
