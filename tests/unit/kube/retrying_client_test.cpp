#include "kube/client/retrying_client.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "kube/client/client_stack.hpp"
#include "support/run_coroutine.hpp"
#include "unit/kube/fake_client.hpp"

using namespace labfleet::kube;
using labfleet::kube::testing::FakeClient;
using labfleet::kube::testing::ScriptedStream;
using labfleet::testing::run_coroutine;
using namespace std::chrono_literals;

namespace {

const std::string throttled_body = R"({"kind":"Status","code":429,"reason":"TooManyRequests","message":"slow down"})";
const std::string unauthorized_body = R"({"kind":"Status","code":401,"reason":"Unauthorized","message":"Unauthorized"})";

ApiError throttled(std::chrono::seconds retry_after = 1s) {
    return api_error_from_response(429, throttled_body, retry_after);
}

/// A policy whose Retry-After waits are short enough for a test.
RetryPolicy fast_policy() {
    RetryPolicy policy;
    policy.max_retry_after = 10ms;
    policy.default_retry_after = 10ms;
    return policy;
}

class CountingObserver final : public RequestObserver {
public:
    void on_request(std::string_view method, std::string_view code) override {
        ++counts[{std::string(method), std::string(code)}];
    }
    std::map<std::pair<std::string, std::string>, int> counts;
};

const ResourceType config_maps = resources::config_maps();
const ObjectKey key{"labs", "a"};

HttpRequest apply_request() { return requests::apply(config_maps, key, Json{{"metadata", {{"name", "a"}}}}); }

} // namespace

TEST_CASE("the writer asks the leader gate again before resending a throttled write", "[kube][retry][fencing]") {
    // The order of ClientStack's layers is what is tested: a retry below the
    // gate would resend after the Retry-After without asking it.
    asio::io_context io;
    FakeClient transport;
    CountingObserver observer;
    bool leading = true;
    ClientStackOptions options;
    options.retry = fast_policy();
    ClientStack clients(transport, observer, [&] { return leading; }, {}, options);
    transport.push_error(throttled());
    transport.push_response(200, "{}");

    SECTION("deposed between the 429 and its resend: nothing more is sent") {
        transport.on_request = [&](const HttpRequest&) { leading = false; };
        auto result = run_coroutine(io, clients.writer().send(apply_request()));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::Forbidden);
        CHECK(result.error().message == not_leader_error().message);
        CHECK(transport.requests.size() == 1);
        CHECK(observer.counts == std::map<std::pair<std::string, std::string>, int>{{{"PATCH", "429"}, 1}});
    }
    SECTION("still leading: the write is resent and counted twice") {
        auto result = run_coroutine(io, clients.writer().send(apply_request()));
        REQUIRE(result.ok());
        CHECK(transport.requests.size() == 2);
        CHECK(observer.counts ==
              std::map<std::pair<std::string, std::string>, int>{{{"PATCH", "429"}, 1}, {{"PATCH", "200"}, 1}});
    }
}

TEST_CASE("the writer asks the gate again before resending a write whose connection broke", "[kube][retry][fencing]") {
    asio::io_context io;
    FakeClient transport;
    CountingObserver observer;
    bool leading = true;
    ClientStack clients(transport, observer, [&] { return leading; }, {});
    transport.push_error(transport_error("write request", "broken pipe"));
    transport.push_response(200, "{}");
    transport.on_request = [&](const HttpRequest&) { leading = false; };

    const auto put = requests::replace(config_maps, key, Json{{"metadata", {{"name", "a"}, {"resourceVersion", "5"}}}});
    auto result = run_coroutine(io, clients.writer().send(put));

    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == ErrorReason::Forbidden);
    CHECK(transport.requests.size() == 1);
}

TEST_CASE("the reader never waits out a 429: its callers back off themselves", "[kube][retry]") {
    asio::io_context io;
    FakeClient transport;
    CountingObserver observer;
    ClientStack clients(transport, observer, [] { return false; }, {});
    transport.push_error(throttled(30s));

    auto result = run_coroutine(io, clients.reader().send(requests::get(config_maps, key)), 1s);

    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == ErrorReason::TooManyRequests);
    REQUIRE(result.error().retry_after);
    CHECK(*result.error().retry_after == 30s);
    CHECK(transport.requests.size() == 1);
}

TEST_CASE("the reader is not gated", "[kube][retry]") {
    asio::io_context io;
    FakeClient transport;
    CountingObserver observer;
    ClientStack clients(transport, observer, [] { return false; }, {});
    transport.push_response(200, "{}");

    auto result = run_coroutine(io, clients.reader().send(requests::replace(config_maps, key, Json::object())));

    CHECK(result.ok());
    CHECK(transport.requests.size() == 1);
}

TEST_CASE("retry_cause: what may be sent again", "[kube][retry]") {
    CHECK(retry_cause(Method::Patch, throttled()) == RetryCause::Throttled);
    CHECK(retry_cause(Method::Post, api_error_from_response(401, unauthorized_body)) == RetryCause::Unauthorized);
    const ApiError broken = transport_error("read response", "connection reset by peer");
    CHECK(retry_cause(Method::Get, broken) == RetryCause::ConnectionBroken);
    CHECK(retry_cause(Method::Put, broken) == RetryCause::ConnectionBroken);
    CHECK(retry_cause(Method::Delete, broken) == RetryCause::ConnectionBroken);
    // Not idempotent: the server may have acted on it.
    CHECK_FALSE(retry_cause(Method::Post, broken));
    CHECK_FALSE(retry_cause(Method::Patch, broken));
    // A timeout already waited its bound; the rest a resend cannot change.
    CHECK_FALSE(retry_cause(Method::Get, timeout_error("read response", 30s)));
    CHECK_FALSE(retry_cause(Method::Get, api_error_from_response(500, "{}")));
    CHECK_FALSE(retry_cause(Method::Patch, api_error_from_response(409, R"({"reason":"Conflict"})")));
    CHECK_FALSE(retry_cause(Method::Patch, not_leader_error()));
}

TEST_CASE("throttle_delay: Retry-After, capped, a default when absent", "[kube][retry]") {
    RetryPolicy policy;
    policy.max_retry_after = 10s;
    policy.default_retry_after = 1s;
    CHECK(throttle_delay(policy, throttled(3s)) == 3s);
    CHECK(throttle_delay(policy, throttled(3600s)) == 10s);
    CHECK(throttle_delay(policy, api_error_from_response(429, throttled_body)) == 1s);
}

TEST_CASE("RetryingClient resends a 429 at most max_throttle_retries times", "[kube][retry]") {
    asio::io_context io;
    FakeClient inner;
    RetryingClient client(inner, fast_policy());
    for (int i = 0; i < 5; ++i) inner.push_error(throttled(7s));

    const auto start = std::chrono::steady_clock::now();
    auto result = run_coroutine(io, client.send(apply_request()));
    const auto elapsed = std::chrono::steady_clock::now() - start;

    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == ErrorReason::TooManyRequests);
    REQUIRE(result.error().retry_after);
    CHECK(*result.error().retry_after == 7s);  // the last answer, as the server sent it
    CHECK(inner.requests.size() == 4);          // the first attempt and three resends
    CHECK(elapsed >= 30ms);                     // three waits of the 10 ms cap
    CHECK(elapsed < 1s);
}

TEST_CASE("RetryingClient resends an idempotent request once when its connection broke", "[kube][retry]") {
    asio::io_context io;
    FakeClient inner;
    RetryingClient client(inner, fast_policy());
    inner.push_error(transport_error("read response", "end of stream"));

    SECTION("GET: resent once, at once") {
        inner.push_response(200, R"({"second":true})");
        auto result = run_coroutine(io, client.send(requests::get(config_maps, key)));
        REQUIRE(result.ok());
        CHECK(result->body == R"({"second":true})");
        CHECK(inner.requests.size() == 2);
    }
    SECTION("GET: a second break is returned") {
        inner.push_error(transport_error("connect", "refused"));
        auto result = run_coroutine(io, client.send(requests::get(config_maps, key)));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().message == "connect: refused");
        CHECK(inner.requests.size() == 2);
    }
    SECTION("PATCH: never sent twice") {
        inner.push_response(200, "{}");
        auto result = run_coroutine(io, client.send(apply_request()));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::Transport);
        CHECK(inner.requests.size() == 1);
    }
}

TEST_CASE("RetryingClient resends a 401 once, only when the credentials changed", "[kube][retry]") {
    asio::io_context io;
    FakeClient inner;
    int refreshes = 0;
    bool changed = true;
    RetryingClient client(inner, fast_policy(), [&] {
        ++refreshes;
        return changed;
    });
    inner.push_response(401, unauthorized_body);

    SECTION("rotated: resent once") {
        inner.push_response(200, "{}");
        CHECK(run_coroutine(io, client.send(requests::get(config_maps, key))).ok());
        CHECK(inner.requests.size() == 2);
        CHECK(refreshes == 1);
    }
    SECTION("rotated but refused again: not a third time") {
        inner.push_response(401, unauthorized_body);
        inner.push_response(200, "{}");
        auto result = run_coroutine(io, client.send(requests::get(config_maps, key)));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::Unauthorized);
        CHECK(inner.requests.size() == 2);
        CHECK(refreshes == 1);
    }
    SECTION("unchanged: returned as it is") {
        changed = false;
        auto result = run_coroutine(io, client.send(requests::get(config_maps, key)));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::Unauthorized);
        CHECK(inner.requests.size() == 1);
        CHECK(refreshes == 1);
    }
}

TEST_CASE("RetryingClient reopens a watch refused with 401 once after a refresh, nothing else", "[kube][retry]") {
    asio::io_context io;
    FakeClient inner;
    RetryingClient client(inner, fast_policy(), [] { return true; });
    const auto watch = requests::watch(config_maps, "labs", WatchOptions{});

    SECTION("401 then open") {
        inner.push_stream(ScriptedStream{api_error_from_response(401, unauthorized_body)});
        inner.push_stream(ScriptedStream{});
        CHECK(run_coroutine(io, client.stream(watch, 1s)).ok());
        CHECK(inner.requests.size() == 2);
    }
    SECTION("429 is the watch loop's to back off") {
        inner.push_stream(ScriptedStream{throttled()});
        auto result = run_coroutine(io, client.stream(watch, 1s));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::TooManyRequests);
        CHECK(inner.requests.size() == 1);
    }
}
