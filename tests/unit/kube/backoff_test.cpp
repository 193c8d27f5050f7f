#include <catch2/catch.hpp>

#include "kube/cache/backoff.hpp"

using namespace labfleet::kube;
using namespace std::chrono_literals;

TEST_CASE("Backoff doubles from 800 ms and caps at 30 s without jitter") {
    FakeClock clock;
    Backoff backoff(clock, {}, [] { return 0.5; });  // r = 0.5 is the jitter-free midpoint
    const std::vector<std::chrono::milliseconds> expected{800ms, 1600ms, 3200ms, 6400ms, 12800ms,
                                                          25600ms, 30000ms, 30000ms};
    for (const auto want : expected) CHECK(backoff.next_delay() == want);
}

TEST_CASE("Backoff jitter spreads the delay by the random source") {
    FakeClock clock;
    double r = 0.0;
    Backoff backoff(clock, {}, [&] { return r; });
    CHECK(backoff.next_delay() == 640ms);   // 800 * 0.8
    r = 0.999;
    const auto high = backoff.next_delay(); // 1600 * ~1.2
    CHECK(high > 1900ms);
    CHECK(high <= 1920ms);
}

TEST_CASE("Backoff never exceeds max even with jitter") {
    FakeClock clock;
    Backoff backoff(clock, {}, [] { return 0.999; });
    for (int i = 0; i < 20; ++i) CHECK(backoff.next_delay() <= 30s);
    CHECK(backoff.current_base() == 30s);
}

TEST_CASE("Backoff resets after the attempt stayed healthy for 2 min") {
    FakeClock clock;
    Backoff backoff(clock, {}, [] { return 0.5; });
    for (int i = 0; i < 5; ++i) clock.advance(backoff.next_delay());
    CHECK(backoff.current_base() == 25600ms);

    clock.advance(119s);  // healthy, but not long enough
    CHECK(backoff.next_delay() == 25600ms);

    clock.advance(25600ms + 120s);  // the retry then ran for 2 min
    CHECK(backoff.next_delay() == 800ms);
}

TEST_CASE("Backoff reset starts over") {
    FakeClock clock;
    Backoff backoff(clock, {}, [] { return 0.5; });
    (void)backoff.next_delay();
    (void)backoff.next_delay();
    backoff.reset();
    CHECK(backoff.next_delay() == 800ms);
}

TEST_CASE("Backoff honours a Retry-After longer than its delay, up to max") {
    FakeClock clock;
    Backoff backoff(clock, {}, [] { return 0.5; });
    CHECK(backoff.next_delay(5s) == 5s);                  // longer than 800 ms: the server's wish
    CHECK(backoff.next_delay(100ms) == 1600ms);           // shorter: the backoff's own delay
    CHECK(backoff.next_delay(std::chrono::hours{1}) == 30s);  // an hour: capped at max
    CHECK(backoff.next_delay(std::nullopt) == 6400ms);    // growth unaffected by the hints
    CHECK(backoff.current_base() == 12800ms);
}
