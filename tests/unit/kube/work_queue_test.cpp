#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "kube/controller/work_queue.hpp"

using namespace labfleet::kube;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    boost::asio::io_context io;
    FakeClock clock;
};

struct CountingObserver final : WorkQueueObserver {
    std::size_t depth = 0;
    int adds = 0;
    int retries = 0;
    std::vector<std::chrono::nanoseconds> latencies;
    std::vector<std::chrono::nanoseconds> durations;
    void depth_changed(std::size_t d) override { depth = d; }
    void added() override { ++adds; }
    void queue_latency(std::chrono::nanoseconds t) override { latencies.push_back(t); }
    void work_duration(std::chrono::nanoseconds t) override { durations.push_back(t); }
    void retried() override { ++retries; }
};

boost::asio::awaitable<void> take_one(WorkQueue* queue, std::vector<std::optional<std::string>>* got) {
    got->push_back(co_await queue->get());
}

} // namespace

TEST_CASE("WorkQueue deduplicates queued keys and keeps FIFO order") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock);
    q.add("a");
    q.add("b");
    q.add("a");
    CHECK(q.len() == 2);
    CHECK(q.try_get() == "a");
    CHECK(q.try_get() == "b");
    CHECK_FALSE(q.try_get().has_value());
}

TEST_CASE("WorkQueue never hands out a key being processed, re-adds wait for done") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock);
    q.add("a");
    REQUIRE(q.try_get() == "a");
    q.add("a");  // changed while processing: dirty
    q.add("a");
    CHECK(q.len() == 0);
    CHECK_FALSE(q.try_get().has_value());
    q.done("a");
    CHECK(q.len() == 1);
    CHECK(q.try_get() == "a");
    q.done("a");
    CHECK_FALSE(q.try_get().has_value());  // requeued once only
}

TEST_CASE("WorkQueue done without re-add does not requeue") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock);
    q.add("a");
    REQUIRE(q.try_get() == "a");
    q.done("a");
    q.done("a");  // unknown done is ignored
    CHECK(q.len() == 0);
}

TEST_CASE("WorkQueue add_after releases keys in deadline order when time advances") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock);
    q.add_after("late", 3s);
    q.add_after("early", 1s);
    q.add_after("mid", 2s);
    CHECK(q.next_deadline() == f.clock.steady_now() + 1s);
    q.advance();
    CHECK(q.len() == 0);
    f.clock.advance(2s);
    q.advance();
    CHECK(q.try_get() == "early");
    CHECK(q.try_get() == "mid");
    CHECK_FALSE(q.try_get().has_value());
    f.clock.advance(1s);
    q.advance();
    CHECK(q.try_get() == "late");
    CHECK_FALSE(q.next_deadline().has_value());
}

TEST_CASE("WorkQueue add_after keeps the earliest deadline for a key") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock);
    q.add_after("a", 10s);
    q.add_after("a", 1s);
    q.add_after("a", 5s);
    CHECK(q.waiting_count() == 1);
    f.clock.advance(1s);
    q.advance();
    CHECK(q.try_get() == "a");
    q.done("a");
    f.clock.advance(10s);
    q.advance();
    CHECK_FALSE(q.try_get().has_value());  // the later deadlines were dropped
    CHECK_FALSE(q.next_deadline().has_value());
}

TEST_CASE("WorkQueue add_after with no delay adds at once") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock);
    q.add_after("a", 0s);
    CHECK(q.try_get() == "a");
}

TEST_CASE("WorkQueue add_rate_limited backs off per key, forget resets") {
    Fixture f;
    CountingObserver observer;
    WorkQueue q(f.io.get_executor(), f.clock, {.qps = 0}, &observer);
    q.add_rate_limited("a");
    CHECK(q.next_deadline() == f.clock.steady_now() + 5ms);
    f.clock.advance(5ms);
    q.advance();
    REQUIRE(q.try_get() == "a");
    q.add_rate_limited("a");  // second failure: 10 ms
    q.done("a");
    CHECK(q.retries("a") == 2);
    CHECK(q.next_deadline() == f.clock.steady_now() + 10ms);
    f.clock.advance(9ms);
    q.advance();
    CHECK(q.len() == 0);
    f.clock.advance(1ms);
    q.advance();
    REQUIRE(q.try_get() == "a");
    q.forget("a");
    CHECK(q.retries("a") == 0);
    q.add_rate_limited("a");
    CHECK(q.next_deadline() == f.clock.steady_now() + 5ms);
    CHECK(observer.retries == 3);
}

TEST_CASE("WorkQueue overall bucket delays a flood of retries") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock, {.base_delay = 1ns, .max_delay = 1ns, .qps = 10, .burst = 2});
    for (const char* key : {"a", "b", "c", "d"}) q.add_rate_limited(key);
    f.clock.advance(1ms);
    q.advance();
    CHECK(q.len() == 2);
    f.clock.advance(100ms);
    q.advance();
    CHECK(q.len() == 3);
    f.clock.advance(100ms);
    q.advance();
    CHECK(q.len() == 4);
}

TEST_CASE("WorkQueue serves Normal before Low and promotes a queued Low key") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock);
    for (int i = 0; i < 100; ++i) q.add("initial-" + std::to_string(i), Priority::Low);
    q.add("changed");
    q.add("initial-50");  // a real change to a key from the initial list
    CHECK(q.len() == 101);
    CHECK(q.try_get() == "changed");
    CHECK(q.try_get() == "initial-50");
    CHECK(q.try_get() == "initial-0");
    int rest = 0;
    while (auto key = q.try_get()) {
        CHECK(*key != "initial-50");  // the stale Low entry is skipped
        ++rest;
    }
    CHECK(rest == 98);
    CHECK(q.len() == 0);
}

TEST_CASE("WorkQueue adding a queued Normal key as Low keeps it Normal") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock);
    q.add("low", Priority::Low);
    q.add("a");
    q.add("a", Priority::Low);
    CHECK(q.try_get() == "a");
    CHECK(q.try_get() == "low");
}

TEST_CASE("WorkQueue observer sees adds, depth, latency and work duration") {
    Fixture f;
    CountingObserver observer;
    WorkQueue q(f.io.get_executor(), f.clock, {}, &observer);
    q.add("a");
    q.add("b");
    q.add("a");
    CHECK(observer.adds == 3);
    CHECK(observer.depth == 2);
    f.clock.advance(3s);
    REQUIRE(q.try_get() == "a");
    CHECK(observer.depth == 1);
    REQUIRE(observer.latencies.size() == 1);
    CHECK(observer.latencies[0] == 3s);
    f.clock.advance(2s);
    CHECK(q.unfinished_work().longest == 2s);
    q.done("a");
    REQUIRE(observer.durations.size() == 1);
    CHECK(observer.durations[0] == 2s);
}

TEST_CASE("WorkQueue get waits for an add and shut_down wakes every waiter") {
    Fixture f;
    WorkQueue q(f.io.get_executor(), f.clock);
    std::vector<std::optional<std::string>> got;
    for (int i = 0; i < 3; ++i) boost::asio::co_spawn(f.io, take_one(&q, &got), boost::asio::detached);
    f.io.poll();
    CHECK(got.empty());

    q.add("a");
    f.io.poll();
    REQUIRE(got.size() == 1);
    CHECK(got[0] == "a");

    q.shut_down();
    f.io.run();  // returns only once both remaining waiters finished
    REQUIRE(got.size() == 3);
    CHECK_FALSE(got[1].has_value());
    CHECK_FALSE(got[2].has_value());
    q.add("b");
    CHECK(q.len() == 0);
}

TEST_CASE("WorkQueue timer moves delayed keys to waiting workers in real time") {
    boost::asio::io_context io;
    SystemClock clock;
    WorkQueue q(io.get_executor(), clock);
    std::vector<std::optional<std::string>> got;
    boost::asio::co_spawn(io, take_one(&q, &got), boost::asio::detached);
    q.add_after("later", 20ms);
    q.add_after("sooner", 5ms);
    const auto start = std::chrono::steady_clock::now();
    io.run_one_for(2s);
    while (got.empty() && std::chrono::steady_clock::now() - start < 2s) io.run_one_for(100ms);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == "sooner");
    CHECK(std::chrono::steady_clock::now() - start >= 5ms);
    q.shut_down();
    io.run();
}
