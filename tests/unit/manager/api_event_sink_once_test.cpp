#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "kube/util/clock.hpp"
#include "manager/api_event_sink.hpp"
#include "unit/kube/fake_client.hpp"

using namespace labfleet;
using kube::Json;

namespace {

Json lease() {
    return {{"apiVersion", "labfleet.dev/v1alpha1"},
            {"kind", "EnvironmentLease"},
            {"metadata", {{"name", "pr-42"}, {"uid", "uid-1"}}}};
}

void grant(manager::ApiEventSink& sink) {
    sink.record_once(lease(), kube::EventType::Normal, "LeaseGranted", "granted", "Grant", "pr-42.leasegranted.1");
}

} // namespace

TEST_CASE("a named Event is written once, AlreadyExists counts as written, other failures are retried",
          "[manager][events]") {
    boost::asio::io_context io;
    kube::testing::FakeClient client;
    kube::FakeClock clock;
    manager::ApiEventSink sink(io.get_executor(), client, clock, {});
    auto run = [&] {
        io.restart();
        io.run();
    };

    SECTION("written: re-recording it sends nothing") {
        client.push_response(201, "{}");
        grant(sink);
        run();
        REQUIRE(client.requests.size() == 1);
        CHECK(client.requests[0].method == kube::Method::Post);
        CHECK(Json::parse(client.requests[0].body)["metadata"]["name"] == "pr-42.leasegranted.1");
        grant(sink);
        run();
        CHECK(client.requests.size() == 1);
    }
    SECTION("already there (written by an earlier process): not sent again") {
        client.push_response(409, R"({"kind":"Status","code":409,"reason":"AlreadyExists"})");
        grant(sink);
        run();
        grant(sink);
        run();
        CHECK(client.requests.size() == 1);
    }
    SECTION("refused otherwise: the next record sends it again") {
        client.push_response(500, R"({"kind":"Status","code":500,"reason":"InternalError"})");
        grant(sink);
        run();
        client.push_response(201, "{}");
        grant(sink);
        run();
        CHECK(client.requests.size() == 2);
    }
}
