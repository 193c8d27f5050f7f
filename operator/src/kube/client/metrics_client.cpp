#include "kube/client/metrics_client.hpp"

#include <string>

namespace labfleet::kube {

namespace {

std::string code_of(int http_status) { return http_status == 0 ? "<error>" : std::to_string(http_status); }

} // namespace

asio::awaitable<Result<HttpResponse>> MetricsClient::send(HttpRequest request) {
    const Method method = request.method;
    auto result = co_await inner_.send(std::move(request));
    observer_.on_request(to_string(method), code_of(result ? result->status : result.error().http_status));
    co_return result;
}

asio::awaitable<Result<std::unique_ptr<WatchStream>>> MetricsClient::stream(HttpRequest request,
                                                                            std::chrono::milliseconds idle_timeout) {
    const Method method = request.method;
    auto result = co_await inner_.stream(std::move(request), idle_timeout);
    // The inner client returns a stream only for a 2xx answer.
    observer_.on_request(to_string(method), result ? "200" : code_of(result.error().http_status));
    co_return result;
}

} // namespace labfleet::kube
