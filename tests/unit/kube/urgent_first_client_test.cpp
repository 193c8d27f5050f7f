#include "kube/client/urgent_first_client.hpp"

#include <memory>
#include <string>
#include <utility>
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
        if (request.rank == WriteRank::Urgent) {
            auto executor = co_await asio::this_coro::executor;
            holds_.emplace_back(request.target, std::make_unique<asio::steady_timer>(executor, 1h));
            asio::steady_timer* hold = holds_.back().second.get();
            co_await hold->async_wait(asio::as_tuple(asio::use_awaitable));
        }
        answered.push_back(request.target);
        co_return HttpResponse{200, "{}"};
    }
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest, std::chrono::milliseconds) override {
        co_return transport_error("stream", "not used");
    }
    void release() {
        for (auto& [target, hold] : holds_) hold->cancel();
    }
    /// Answers the urgent request to `target` only.
    void release(const std::string& target) {
        for (auto& [held, hold] : holds_)
            if (held == target) hold->cancel();
    }

private:
    std::vector<std::pair<std::string, std::unique_ptr<asio::steady_timer>>> holds_;
};

HttpRequest write(std::string target, bool urgent = false) {
    HttpRequest request;
    request.method = Method::Put;
    request.target = std::move(target);
    request.rank = urgent ? WriteRank::Urgent : WriteRank::Report;
    return request;
}

HttpRequest change(std::string target) {
    HttpRequest request = write(std::move(target));
    request.rank = WriteRank::Change;
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
    io.run_for(150ms);  // past the quiet time after the last urgent answer
    CHECK(inner.answered == std::vector<std::string>{"get", "lease", "target-status", "event"});
    CHECK(client.urgent_in_flight() == 0);
}

TEST_CASE("UrgentFirstClient sends a change of what runs at once, while urgent writes hold reports back") {
    // A lease granted: its status write is urgent, and the Deployment that carries its image
    // must not wait for it, nor for the quiet time after it.
    asio::io_context io;
    HoldingClient inner;
    UrgentFirstClient client(inner, 10s, 10s, 100ms);

    start(io, client, write("lease", true));
    start(io, client, change("deployment"));
    start(io, client, write("event"));
    io.run_for(20ms);
    CHECK(inner.reached == std::vector<std::string>{"lease", "deployment"});
    inner.release();
    io.run_for(20ms);  // within the quiet time after the lease's answer
    start(io, client, change("config-map"));
    io.run_for(10ms);
    CHECK(inner.reached == std::vector<std::string>{"lease", "deployment", "config-map"});
    CHECK(client.deferred_total() == 1);  // the event alone
    io.run_for(150ms);
    CHECK(inner.reached == std::vector<std::string>{"lease", "deployment", "config-map", "event"});
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

TEST_CASE("UrgentFirstClient keeps holding a write past max_wait while urgent writes are being answered") {
    // A storm of expiries: the urgent writes overlap, so some are always in
    // flight; the target status waits for the storm's end, not max_wait.
    asio::io_context io;
    HoldingClient inner;
    UrgentFirstClient client(inner, 300ms);

    start(io, client, write("lease-1", true));
    start(io, client, write("target-status"));
    io.run_for(50ms);
    start(io, client, write("lease-2", true));
    inner.release("lease-1");
    io.run_for(400ms);  // past max_wait: lease-1 was answered within it, lease-2 is in flight
    CHECK(inner.reached == std::vector<std::string>{"lease-1", "lease-2"});
    CHECK(client.urgent_in_flight() == 1);

    inner.release("lease-2");
    io.run_for(150ms);
    CHECK(inner.answered == std::vector<std::string>{"lease-1", "lease-2", "target-status"});
}

TEST_CASE("UrgentFirstClient holds a write for at most max_hold in all, however many urgent writes are answered") {
    asio::io_context io;
    HoldingClient inner;
    UrgentFirstClient client(inner, 400ms, 600ms);

    start(io, client, write("lease-1", true));
    start(io, client, write("event"));
    io.run_for(100ms);
    start(io, client, write("lease-2", true));
    inner.release("lease-1");
    io.run_for(400ms);
    start(io, client, write("lease-3", true));
    inner.release("lease-2");
    io.run_for(200ms);  // past max_hold, with progress in every max_wait
    CHECK(inner.reached == std::vector<std::string>{"lease-1", "lease-2", "lease-3", "event"});
    inner.release();
    io.run_for(20ms);
}

TEST_CASE("UrgentFirstClient holds writes through the gaps between a storm's urgent writes") {
    // One reconcile's lease write is answered before the next one's is sent:
    // the held writes wait until urgent writes have been quiet for `quiet`.
    asio::io_context io;
    HoldingClient inner;
    UrgentFirstClient client(inner, 10s, 10s, 100ms);

    start(io, client, write("lease-1", true));
    start(io, client, write("target-status"));
    io.run_for(20ms);
    inner.release("lease-1");
    io.run_for(40ms);  // a gap: nothing urgent in flight, the last answered 40 ms ago
    start(io, client, write("event"));
    io.run_for(10ms);
    CHECK(inner.reached == std::vector<std::string>{"lease-1"});
    start(io, client, write("lease-2", true));
    io.run_for(80ms);  // past the first gap's quiet time, with lease-2 in flight
    CHECK(inner.reached == std::vector<std::string>{"lease-1", "lease-2"});
    inner.release("lease-2");
    io.run_for(50ms);
    CHECK(inner.reached == std::vector<std::string>{"lease-1", "lease-2"});
    io.run_for(100ms);
    CHECK(inner.reached == std::vector<std::string>{"lease-1", "lease-2", "target-status", "event"});
    CHECK(client.deferred_total() == 2);
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
