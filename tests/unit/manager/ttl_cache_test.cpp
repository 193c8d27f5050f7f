#include "manager/ttl_cache.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using labfleet::kube::FakeClock;
using labfleet::manager::TtlCache;

TEST_CASE("TtlCache answers until an entry's time is up, then forgets it", "[manager][cache]") {
    FakeClock clock;
    TtlCache<int> cache(clock, 8);
    cache.put("a", 1, 10s);
    cache.put("b", 2, 60s);
    CHECK(cache.get("a") == 1);
    clock.advance(9s);
    CHECK(cache.get("a") == 1);
    clock.advance(1s);
    CHECK_FALSE(cache.get("a"));
    CHECK(cache.size() == 1);  // the expired entry was dropped when read
    CHECK(cache.get("b") == 2);
    CHECK_FALSE(cache.get("never"));
}

TEST_CASE("TtlCache: storing again replaces the value and restarts its time", "[manager][cache]") {
    FakeClock clock;
    TtlCache<int> cache(clock, 8);
    cache.put("a", 1, 10s);
    clock.advance(8s);
    cache.put("a", 2, 10s);
    clock.advance(8s);
    CHECK(cache.get("a") == 2);
    CHECK(cache.size() == 1);
}

TEST_CASE("TtlCache does not store with a zero ttl", "[manager][cache]") {
    FakeClock clock;
    TtlCache<int> cache(clock, 8);
    cache.put("a", 1, 0s);
    CHECK_FALSE(cache.get("a"));
    CHECK(cache.size() == 0);
}

TEST_CASE("TtlCache never holds more than its bound: the least recently used goes", "[manager][cache]") {
    FakeClock clock;
    TtlCache<int> cache(clock, 3);
    cache.put("a", 1, 60s);
    cache.put("b", 2, 60s);
    cache.put("c", 3, 60s);
    CHECK(cache.get("a") == 1);  // a is now the most recently used; b the least
    cache.put("d", 4, 60s);
    CHECK(cache.size() == 3);
    CHECK_FALSE(cache.get("b"));
    CHECK(cache.get("a") == 1);
    CHECK(cache.get("c") == 3);
    CHECK(cache.get("d") == 4);
    for (int i = 0; i < 100; ++i) cache.put("k" + std::to_string(i), i, 60s);
    CHECK(cache.size() == 3);
    CHECK(cache.get("k99") == 99);
}

TEST_CASE("TtlCache evicts an expired entry before a live one", "[manager][cache]") {
    FakeClock clock;
    TtlCache<int> cache(clock, 3);
    cache.put("live-old", 1, 60s);
    cache.put("short", 2, 5s);
    cache.put("live-new", 3, 60s);
    clock.advance(6s);
    cache.put("d", 4, 60s);
    CHECK(cache.get("live-old") == 1);
    CHECK(cache.get("live-new") == 3);
    CHECK(cache.get("d") == 4);
    CHECK_FALSE(cache.get("short"));
}
