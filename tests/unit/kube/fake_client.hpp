#pragma once
// FakeClient: an in-memory kube::Client for tests. Answers come from a
// script, in order: send() pops the next response, stream() the next watch
// stream (its lines, then a clean end, an error, or silence until the idle
// timeout). Every request is recorded, and on_request sees it before it is
// answered. When the script runs out, the on_exhausted callback runs (tests
// stop the loop there) and the call fails.

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "kube/client/client.hpp"

namespace labfleet::kube::testing {

/// How a scripted watch stream ends after its lines.
enum class StreamEnd { Clean, Error, Silent };

struct ScriptedStream {
    std::optional<ApiError> open_error;  // the watch request itself fails
    std::vector<std::string> lines;
    StreamEnd end = StreamEnd::Clean;
    ApiError end_error;  // with StreamEnd::Error
};

class FakeWatchStream final : public WatchStream {
public:
    FakeWatchStream(ScriptedStream script, std::chrono::milliseconds idle_timeout)
        : script_(std::move(script)), idle_timeout_(idle_timeout) {}

    asio::awaitable<Result<std::optional<std::string>>> next_line() override {
        if (next_ < script_.lines.size()) co_return std::optional<std::string>(script_.lines[next_++]);
        if (script_.end == StreamEnd::Error) co_return script_.end_error;
        if (script_.end == StreamEnd::Silent) {
            asio::steady_timer timer(co_await asio::this_coro::executor, idle_timeout_);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            co_return timeout_error("read watch event", idle_timeout_);
        }
        co_return std::optional<std::string>{};
    }

private:
    ScriptedStream script_;
    std::chrono::milliseconds idle_timeout_;
    std::size_t next_ = 0;
};

class FakeClient final : public Client {
public:
    void push_response(int status, std::string body) {
        if (status >= 200 && status < 300)
            responses_.emplace_back(HttpResponse{status, std::move(body)});
        else
            responses_.emplace_back(api_error_from_response(status, body));
    }
    void push_error(ApiError error) { responses_.emplace_back(std::move(error)); }
    void push_stream(ScriptedStream stream) { streams_.push_back(std::move(stream)); }

    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override {
        requests.push_back(request);
        if (on_request) on_request(request);
        if (responses_.empty()) co_return exhausted();
        Result<HttpResponse> response = std::move(responses_.front());
        responses_.pop_front();
        co_return response;
    }

    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest request,
                                                                  std::chrono::milliseconds idle_timeout) override {
        requests.push_back(request);
        idle_timeouts.push_back(idle_timeout);
        if (on_request) on_request(request);
        if (streams_.empty()) co_return exhausted();
        ScriptedStream script = std::move(streams_.front());
        streams_.pop_front();
        if (script.open_error) co_return *script.open_error;
        co_return std::unique_ptr<WatchStream>(std::make_unique<FakeWatchStream>(std::move(script), idle_timeout));
    }

    std::vector<HttpRequest> requests;
    std::vector<std::chrono::milliseconds> idle_timeouts;
    std::function<void()> on_exhausted;
    std::function<void(const HttpRequest&)> on_request;


private:
    ApiError exhausted() {
        if (on_exhausted) on_exhausted();
        return transport_error("fake client", "script exhausted");
    }

    std::deque<Result<HttpResponse>> responses_;
    std::deque<ScriptedStream> streams_;
};

} // namespace labfleet::kube::testing
