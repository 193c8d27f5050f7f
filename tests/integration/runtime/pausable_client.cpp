#include "integration/runtime/pausable_client.hpp"

#include <utility>

#include "integration/runtime/cluster.hpp"
#include "kube/json/json.hpp"
#include "kube/cache/watch_event.hpp"

namespace labfleet::testing {

namespace {

class PausableStream final : public kube::WatchStream {
public:
    PausableStream(std::unique_ptr<kube::WatchStream> inner, std::shared_ptr<PausableClient::State> state)
        : inner_(std::move(inner)), state_(std::move(state)) {}

    boost::asio::awaitable<kube::Result<std::optional<std::string>>> next_line() override {
        auto line = co_await inner_->next_line();
        if (state_->paused) co_return kube::transport_error("read", "cut off by the test");
        if (!line) {
            state_->failures.emplace_back(kube::to_string(line.error().reason));
        } else if (line->has_value()) {
            auto event = kube::parse_watch_event(**line, kube::ObjectTrim{});
            if (!event) state_->failures.emplace_back(kube::to_string(event.error().reason));
        }
        co_return line;
    }

private:
    std::unique_ptr<kube::WatchStream> inner_;
    std::shared_ptr<PausableClient::State> state_;
};

} // namespace

boost::asio::awaitable<void> PausableClient::wait_while_paused() {
    ++state_->holding;
    while (state_->paused) co_await sleep_for(std::chrono::milliseconds{20});
    --state_->holding;
}

boost::asio::awaitable<kube::Result<kube::HttpResponse>> PausableClient::send(kube::HttpRequest request) {
    co_await wait_while_paused();
    state_->requests.push_back(std::string(kube::to_string(request.method)) + " " + request.target);
    auto response = co_await inner_.send(std::move(request));
    if (!response) state_->failures.emplace_back(kube::to_string(response.error().reason));
    co_return response;
}

boost::asio::awaitable<kube::Result<std::unique_ptr<kube::WatchStream>>> PausableClient::stream(
    kube::HttpRequest request, std::chrono::milliseconds idle_timeout) {
    co_await wait_while_paused();
    state_->requests.push_back(std::string(kube::to_string(request.method)) + " " + request.target);
    auto opened = co_await inner_.stream(std::move(request), idle_timeout);
    if (!opened) {
        state_->failures.emplace_back(kube::to_string(opened.error().reason));
        co_return opened.error();
    }
    co_return std::unique_ptr<kube::WatchStream>(std::make_unique<PausableStream>(std::move(opened).value(), state_));
}

} // namespace labfleet::testing
