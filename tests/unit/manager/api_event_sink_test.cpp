#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "kube/util/clock.hpp"
#include "manager/api_event_sink.hpp"

using namespace labfleet;
using kube::Json;

namespace {

/// Answers every request after a millisecond, counting how many are in flight.
class SlowClient final : public kube::Client {
public:
    boost::asio::awaitable<kube::Result<kube::HttpResponse>> send(kube::HttpRequest request) override {
        sent.push_back(std::move(request));
        max_in_flight = std::max(max_in_flight, ++in_flight);
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::milliseconds{1});
        co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        --in_flight;
        co_return kube::HttpResponse{201, "{}"};
    }
    boost::asio::awaitable<kube::Result<std::unique_ptr<kube::WatchStream>>> stream(kube::HttpRequest,
                                                                                    std::chrono::milliseconds) override {
        co_return kube::transport_error("slow client", "no streams");
    }

    std::vector<kube::HttpRequest> sent;
    int in_flight = 0;
    int max_in_flight = 0;
};

Json lease(int i) {
    return {{"apiVersion", "labfleet.dev/v1alpha1"},
            {"kind", "EnvironmentLease"},
            {"metadata", {{"name", "lease-" + std::to_string(i)}, {"uid", "uid-" + std::to_string(i)}}}};
}

} // namespace

TEST_CASE("events are written by at most two senders, every one of them", "[manager][events]") {
    boost::asio::io_context io;
    SlowClient client;
    kube::FakeClock clock;
    manager::ApiEventSink sink(io.get_executor(), client, clock, {});
    for (int i = 0; i < 10; ++i) sink.record(lease(i), kube::EventType::Normal, "LeaseExpired", "expired", "Expire");
    io.run();
    CHECK(client.sent.size() == 10);
    CHECK(client.max_in_flight == manager::ApiEventSink::max_senders);
    CHECK(client.in_flight == 0);

    SECTION("recording again after the queue ran dry starts a sender again") {
        sink.record(lease(99), kube::EventType::Normal, "LeaseGranted", "granted", "Grant");
        io.restart();
        io.run();
        CHECK(client.sent.size() == 11);
    }
}

TEST_CASE("a burst beyond the queue's bound drops the oldest events", "[manager][events]") {
    boost::asio::io_context io;
    SlowClient client;
    kube::FakeClock clock;
    manager::ApiEventSink sink(io.get_executor(), client, clock, {});
    const int burst = static_cast<int>(manager::ApiEventSink::max_pending) + 5;
    for (int i = 0; i < burst; ++i) sink.record(lease(i), kube::EventType::Normal, "LeaseExpired", "expired", "Expire");
    io.run();
    REQUIRE(client.sent.size() == manager::ApiEventSink::max_pending);
    CHECK(Json::parse(client.sent.front().body)["regarding"]["name"] == "lease-5");
    CHECK(Json::parse(client.sent.back().body)["regarding"]["name"] == "lease-" + std::to_string(burst - 1));
}
