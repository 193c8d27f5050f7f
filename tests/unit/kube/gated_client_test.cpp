#include "kube/client/gated_client.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "support/run_coroutine.hpp"

using namespace labfleet::kube;

namespace {

/// Records the requests it gets and answers 200.
class RecordingClient final : public Client {
public:
    std::vector<HttpRequest> sent;
    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override {
        sent.push_back(request);
        co_return HttpResponse{200, "{}"};
    }
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest, std::chrono::milliseconds) override {
        co_return transport_error("stream", "not used");
    }
};

Result<HttpResponse> send_now(Client& client, HttpRequest request) {
    asio::io_context io;
    return labfleet::testing::run_coroutine(io, client.send(std::move(request)));
}

} // namespace

TEST_CASE("a closed gate refuses writes but not reads") {
    RecordingClient inner;
    bool leading = false;
    GatedClient client(inner, [&] { return leading; });
    const auto type = resources::config_maps();

    CHECK(send_now(client, requests::get(type, {"a", "x"})).ok());
    auto refused = send_now(client, requests::apply(type, {"a", "x"}, Json::object()));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().reason == ErrorReason::Forbidden);
    CHECK(inner.sent.size() == 1);

    leading = true;
    CHECK(send_now(client, requests::remove(type, {"a", "x"})).ok());
    CHECK(inner.sent.size() == 2);
}

TEST_CASE("dry run sends writes with dryRun=All") {
    RecordingClient inner;
    GatedClient client(inner, [] { return true; }, /*dry_run=*/true);
    const auto type = resources::config_maps();
    (void)send_now(client, requests::apply(type, {"a", "x"}, Json::object()));
    (void)send_now(client, requests::create(type, "a", Json::object()));
    (void)send_now(client, requests::get(type, {"a", "x"}));
    REQUIRE(inner.sent.size() == 3);
    CHECK(inner.sent[0].target == "/api/v1/namespaces/a/configmaps/x?fieldManager=labfleet&force=true&dryRun=All");
    CHECK(inner.sent[1].target == "/api/v1/namespaces/a/configmaps?dryRun=All");
    CHECK(inner.sent[2].target == "/api/v1/namespaces/a/configmaps/x");
}
