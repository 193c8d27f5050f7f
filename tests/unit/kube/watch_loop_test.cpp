#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "kube/cache/watch_loop.hpp"
#include "unit/kube/fake_client.hpp"

using namespace labfleet::kube;
using labfleet::kube::testing::FakeClient;
using labfleet::kube::testing::ScriptedStream;
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

namespace {

const std::string unauthorized_body = R"({"kind":"Status","code":401,"reason":"Unauthorized","message":"Unauthorized"})";
const std::string empty_list = R"({"kind":"ConfigMapList","metadata":{"resourceVersion":"7"},"items":[]})";

/// The records of a JSON log whose "msg" is `msg`.
std::vector<Json> records(const std::string& log, const std::string& msg) {
    std::vector<Json> found;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        auto record = Json::parse(line);
        if (record["msg"] == msg) found.push_back(std::move(record));
    }
    return found;
}

/// Runs the loop until it stops by itself (at most 2 s).
void run_until_stopped(asio::io_context& io, const std::shared_ptr<WatchStatus>& status) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    bool started = false;
    while (std::chrono::steady_clock::now() < deadline && !(started && !status->running)) {
        io.run_one_for(5ms);
        started = started || status->running;
    }
}

} // namespace

TEST_CASE("a watch loop logs failed lists with their cause, at most once per interval, until the server answers",
          "[kube][watch_loop]") {
    FakeClient client;
    FakeClock clock;
    std::ostringstream log;
    auto status = std::make_shared<WatchStatus>();
    WatchLoopOptions options;
    options.ns = "labs";
    options.backoff.initial = 1ms;
    options.backoff.max = 2ms;
    options.failure_log_interval = 10s;
    options.logger = Logger("test", LogLevel::Debug, LogFormat::Json, &log, &clock);
    // Six refusals, 4 s apart on the fake clock (at 4, 8, ... 24 s), then a list that works.
    for (int i = 0; i < 6; ++i) client.push_response(401, unauthorized_body);
    client.push_response(200, empty_list);
    std::vector<std::optional<std::string>> failure_seen;  // status->failure as each request went out
    client.on_request = [&](const HttpRequest&) {
        failure_seen.push_back(status->failure);
        clock.advance(4s);
    };
    client.on_exhausted = [&] { status->stop_requested = true; };  // at the watch after the list

    asio::io_context io;
    Store store;
    asio::co_spawn(io, run_watch_loop(client, resources::config_maps(), store, clock, options, status),
                   asio::detached);
    run_until_stopped(io, status);

    const auto failed = records(log.str(), "list failed");
    REQUIRE(failed.size() == 2);  // at 4 s (the first) and 16 s (12 s after it); 8, 12, 20, 24 held back
    CHECK(failed[0]["level"] == "warn");
    CHECK(failed[0]["resource"] == "configmaps");
    CHECK(failed[0]["error"] == "Unauthorized (401): Unauthorized");
    CHECK(failed[0]["failures"] == 1);
    CHECK(failed[0]["suppressed"] == 0);
    CHECK(failed[1]["failures"] == 4);
    CHECK(failed[1]["suppressed"] == 2);
    const auto recovered = records(log.str(), "list and watch work again");
    REQUIRE(recovered.size() == 1);
    CHECK(recovered[0]["failures"] == 6);

    REQUIRE(failure_seen.size() == 8);  // six refusals, the list, the watch
    CHECK_FALSE(failure_seen[0]);
    for (int i = 1; i <= 6; ++i) CHECK(failure_seen[i] == "list failed: Unauthorized (401): Unauthorized");
    CHECK_FALSE(failure_seen[7]);  // the list answered: the run is over
    CHECK(store.synced());
}

TEST_CASE("a watch loop names a refused streaming list a failed list", "[kube][watch_loop]") {
    FakeClient client;
    FakeClock clock;
    std::ostringstream log;
    auto status = std::make_shared<WatchStatus>();
    WatchLoopOptions options;
    options.streaming_list = true;
    options.backoff.initial = 1ms;
    options.backoff.max = 2ms;
    options.logger = Logger("test", LogLevel::Info, LogFormat::Json, &log, &clock);
    const ApiError refused = transport_error(
        "tls handshake", "certificate verify failed: unable to get local issuer certificate (server 127.0.0.1:6443)");
    client.push_stream(ScriptedStream{refused});
    client.push_stream(ScriptedStream{refused});
    client.on_exhausted = [&] { status->stop_requested = true; };

    asio::io_context io;
    Store store;
    asio::co_spawn(io, run_watch_loop(client, resources::config_maps(), store, clock, options, status),
                   asio::detached);
    run_until_stopped(io, status);

    const auto failed = records(log.str(), "list failed");
    REQUIRE(failed.size() == 1);  // the second within the interval is held back
    CHECK(failed[0]["error"] == refused.describe());
    CHECK(status->failure == "list failed: " + refused.describe());
    CHECK(status->consecutive_failures == 2);
}
