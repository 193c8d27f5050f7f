#include "kube/client/metrics_client.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <map>

#include <boost/asio/io_context.hpp>

#include "support/run_coroutine.hpp"

namespace {

using namespace labfleet::kube;
using labfleet::testing::run_coroutine;

class CountingObserver final : public RequestObserver {
public:
    void on_request(std::string_view method, std::string_view code) override {
        ++counts[{std::string(method), std::string(code)}];
    }
    std::map<std::pair<std::string, std::string>, int> counts;
};

class ScriptedClient final : public Client {
public:
    std::deque<Result<HttpResponse>> answers;
    std::deque<ApiError> stream_errors;

    asio::awaitable<Result<HttpResponse>> send(HttpRequest) override {
        auto answer = std::move(answers.front());
        answers.pop_front();
        co_return answer;
    }
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest, std::chrono::milliseconds) override {
        auto error = std::move(stream_errors.front());
        stream_errors.pop_front();
        co_return error;
    }
};

} // namespace

TEST_CASE("MetricsClient counts requests by method and code", "[kube][metrics]") {
    asio::io_context io;
    CountingObserver observer;
    ScriptedClient inner;
    inner.answers.push_back(HttpResponse{200, "{}"});
    inner.answers.push_back(HttpResponse{201, "{}"});
    inner.answers.push_back(api_error_from_response(409, R"({"reason":"Conflict"})"));
    inner.answers.push_back(transport_error("connect", "refused"));
    inner.stream_errors.push_back(api_error_from_response(410, "{}"));
    MetricsClient client(inner, observer);

    const HttpRequest get{Method::Get, "/api/v1/namespaces", "", ""};
    const HttpRequest post{Method::Post, "/api/v1/namespaces", "application/json", "{}"};
    CHECK(run_coroutine(io, client.send(get)).ok());
    CHECK(run_coroutine(io, client.send(post)).ok());
    auto conflict = run_coroutine(io, client.send(post));
    REQUIRE_FALSE(conflict.ok());
    CHECK(conflict.error().reason == ErrorReason::Conflict);
    CHECK_FALSE(run_coroutine(io, client.send(get)).ok());
    CHECK_FALSE(run_coroutine(io, client.stream(get, std::chrono::seconds{1})).ok());

    using Key = std::pair<std::string, std::string>;
    CHECK(observer.counts == std::map<Key, int>{{{"GET", "200"}, 1}, {{"POST", "201"}, 1}, {{"POST", "409"}, 1},
                                                {{"GET", "<error>"}, 1}, {{"GET", "410"}, 1}});
}
