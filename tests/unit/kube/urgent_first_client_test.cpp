#include "kube/client/urgent_first_client.hpp"

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

using namespace labfleet::kube;
using namespace std::chrono_literals;

namespace {

/// Records the order requests reach it; holds each urgent one until release().
class HoldingClient final : public Client {
public:
    std::vector<std::string> reached;
    std::vector<std::string> answered;

    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override {
        reached.push_back(request.target);
        if (request.urgent) {
            auto executor = co_await asio::this_coro::executor;
            holds_.push_back(std::make_unique<asio::steady_timer>(executor, 1h));
            asio::steady_timer* hold = holds_.back().get();
            co_await hold->async_wait(asio::as_tuple(asio::use_awaitable));
        }
        answered.push_back(request.target);
        co_return HttpResponse{200, "{}"};
    }
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest, std::chrono::milliseconds) override {
        co_return transport_error("stream", "not used");
    }
    void release() {
        for (auto& hold : holds_) hold->cancel();
    }

private:
    std::vector<std::unique_ptr<asio::steady_timer>> holds_;
};

HttpRequest write(std::string target, bool urgent = false) {
    HttpRequest request;
    request.method = Method::Put;
    request.target = std::move(target);
    request.urgent = urgent;
    return request;
}

HttpRequest read(std::string target) {
    HttpRequest request;
    request.target = std::move(target);
    return request;
}

asio::awaitable<void> send_ignoring_result(Client& client, HttpRequest request) {
    (void)co_await client.send(std::move(request));
}

void start(asio::io_context& io, Client& client, HttpRequest request) {
    asio::co_spawn(io, send_ignoring_result(client, std::move(request)), asio::detached);
}

} // namespace

TEST_CASE("UrgentFirstClient holds other writes while an urgent one is in flight, then sends them") {
    asio::io_context io;
    HoldingClient inner;
    UrgentFirstClient client(inner, 10s);

    start(io, client, write("lease", /*urgent=*/true));
    start(io, client, write("target-status"));
    start(io, client, write("event"));
    start(io, client, read("get"));
    io.run_for(50ms);
    CHECK(inner.reached == std::vector<std::string>{"lease", "get"});
    CHECK(client.urgent_in_flight() == 1);
    CHECK(client.deferred_total() == 2);

    inner.release();
    io.run_for(50ms);
    CHECK(inner.answered == std::vector<std::string>{"get", "lease", "target-status", "event"});
    CHECK(client.urgent_in_flight() == 0);
}

TEST_CASE("UrgentFirstClient lets urgent writes pass each other and waits for the last one") {
    asio::io_context io;
    HoldingClient inner;
    UrgentFirstClient client(inner, 10s);

    start(io, client, write("lease-1", true));
    start(io, client, write("event"));
    start(io, client, write("lease-2", true));
    io.run_for(50ms);
    CHECK(inner.reached == std::vector<std::string>{"lease-1", "lease-2"});
    CHECK(client.urgent_in_flight() == 2);
}

TEST_CASE("UrgentFirstClient holds a write back for at most max_wait") {
    asio::io_context io;
    HoldingClient inner;
    UrgentFirstClient client(inner, 30ms);

    start(io, client, write("lease", true));
    start(io, client, write("event"));
    io.run_for(10ms);
    CHECK(inner.reached == std::vector<std::string>{"lease"});
    io.run_for(200ms);
    CHECK(inner.reached == std::vector<std::string>{"lease", "event"});
    CHECK(client.urgent_in_flight() == 1);  // the urgent one is still unanswered
    inner.release();
    io.run_for(20ms);
}

TEST_CASE("UrgentFirstClient sends writes at once when nothing urgent is in flight") {
    asio::io_context io;
    HoldingClient inner;
    UrgentFirstClient client(inner, 10s);
    start(io, client, write("a"));
    start(io, client, write("b"));
    io.run_for(20ms);
    CHECK(inner.answered == std::vector<std::string>{"a", "b"});
    CHECK(client.deferred_total() == 0);
}
