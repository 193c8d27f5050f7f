#include "kube/util/concurrently.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

using labfleet::kube::for_each_concurrently;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

/// Runs `body` on a fresh io_context until it and everything it started finish; returns the
/// exception it ended with, if any.
template <class Body>
std::exception_ptr run(Body body) {
    asio::io_context io;
    std::exception_ptr outcome;
    bool finished = false;
    asio::co_spawn(io, body(), [&](std::exception_ptr error) {
        outcome = error;
        finished = true;
    });
    io.run();
    REQUIRE(finished);
    return outcome;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

} // namespace

TEST_CASE("for_each_concurrently keeps at most the limit in flight and returns once every item is done",
          "[concurrently]") {
    const std::vector<int> items{30, 10, 20, 5, 25, 15, 1};  // milliseconds each one takes
    int in_flight = 0, most = 0;
    std::vector<int> finished;
    const auto error = run([&]() -> asio::awaitable<void> {
        co_await for_each_concurrently(items, 3, [&](int ms) -> asio::awaitable<void> {
            most = std::max(most, ++in_flight);
            co_await sleep_for(std::chrono::milliseconds(ms));
            --in_flight;
            finished.push_back(ms);
        });
        // Resumed only after the last one.
        CHECK(finished.size() == items.size());
        CHECK(in_flight == 0);
    });
    CHECK_FALSE(error);
    CHECK(most == 3);
    CHECK(finished.size() == items.size());
    // Overlapping, not one after another: the short ones finish before the first long one.
    CHECK(finished.front() != 30);
}

TEST_CASE("for_each_concurrently returns when the items finish without suspending", "[concurrently]") {
    const std::vector<int> items{1, 2, 3, 4, 5};
    int sum = 0;
    const auto error = run([&]() -> asio::awaitable<void> {
        co_await for_each_concurrently(items, 2, [&](int n) -> asio::awaitable<void> {
            sum += n;
            co_return;
        });
    });
    CHECK_FALSE(error);
    CHECK(sum == 15);
}

TEST_CASE("for_each_concurrently with no items returns at once", "[concurrently]") {
    bool called = false, after = false;
    const auto error = run([&]() -> asio::awaitable<void> {
        co_await for_each_concurrently(std::vector<int>{}, 4, [&](int) -> asio::awaitable<void> {
            called = true;
            co_return;
        });
        after = true;
    });
    CHECK_FALSE(error);
    CHECK_FALSE(called);
    CHECK(after);
}

TEST_CASE("for_each_concurrently rethrows the first exception after every item has finished",
          "[concurrently]") {
    const std::vector<int> items{1, 2, 3, 4};
    int finished = 0;
    const auto error = run([&]() -> asio::awaitable<void> {
        co_await for_each_concurrently(items, 4, [&](int n) -> asio::awaitable<void> {
            co_await sleep_for(std::chrono::milliseconds(n * 5));
            if (n == 1) throw std::runtime_error("item 1 failed");
            ++finished;
        });
    });
    REQUIRE(error);
    CHECK_THROWS_WITH(std::rethrow_exception(error), "item 1 failed");
    CHECK(finished == 3);  // the others ran to their end
}
