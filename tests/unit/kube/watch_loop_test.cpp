#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "kube/cache/watch_loop.hpp"
#include "unit/kube/fake_client.hpp"

using namespace labfleet::kube;
using labfleet::kube::testing::FakeClient;
using namespace std::chrono_literals;

TEST_CASE("a watch loop honours Retry-After only up to its backoff ceiling", "[kube][watch_loop]") {
    FakeClient client;
    // A throttled list whose server asks for an hour: obeyed, the loop would
    // sleep past its liveness window (alive_window assumes backoff.max).
    client.push_error(api_error_from_response(429, R"({"kind":"Status","code":429,"reason":"TooManyRequests"})",
                                              std::chrono::seconds{3600}));
    client.push_response(200, R"({"kind":"ConfigMapList","metadata":{"resourceVersion":"7"},"items":[]})");
    Store store;
    FakeClock clock;
    auto status = std::make_shared<WatchStatus>();
    client.on_exhausted = [&] { status->stop_requested = true; };  // at the watch after the list
    WatchLoopOptions options;
    options.ns = "labs";
    options.backoff.initial = 5ms;
    options.backoff.max = 20ms;
    options.backoff.jitter = 0.0;

    asio::io_context io;
    asio::co_spawn(io, run_watch_loop(client, resources::config_maps(), store, clock, options, status),
                   asio::detached);
    std::chrono::milliseconds longest_wait{0};
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    bool started = false;
    while (std::chrono::steady_clock::now() < deadline && !(started && !status->running)) {
        io.run_one_for(5ms);
        started = started || status->running;
        longest_wait = std::max(longest_wait, status->current_backoff);
    }

    CHECK(longest_wait == 20ms);  // the ceiling, not the hour (and more than the 5 ms backoff)
    CHECK(client.requests.size() == 3);  // throttled list, its retry, the watch
    CHECK_FALSE(status->running);
}

TEST_CASE("a watch loop waits out a Retry-After below its backoff ceiling", "[kube][watch_loop]") {
    FakeClient client;
    client.push_error(api_error_from_response(429, R"({"kind":"Status","code":429,"reason":"TooManyRequests"})",
                                              std::chrono::seconds{1}));
    Store store;
    FakeClock clock;
    auto status = std::make_shared<WatchStatus>();
    client.on_exhausted = [&] { status->stop_requested = true; };
    WatchLoopOptions options;
    options.ns = "labs";
    options.backoff.initial = 5ms;
    options.backoff.max = 30s;
    options.backoff.jitter = 0.0;

    asio::io_context io;
    asio::co_spawn(io, run_watch_loop(client, resources::config_maps(), store, clock, options, status),
                   asio::detached);
    std::chrono::milliseconds longest_wait{0};
    const auto deadline = std::chrono::steady_clock::now() + 200ms;
    bool started = false;
    while (std::chrono::steady_clock::now() < deadline && !(started && !status->running)) {
        io.run_one_for(5ms);
        started = started || status->running;
        longest_wait = std::max(longest_wait, status->current_backoff);
    }

    CHECK(longest_wait == 1s);  // the server's hint, longer than the 5 ms backoff
    status->stop_requested = true;
}
