#include <catch2/catch.hpp>

#include <exception>
#include <memory>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "api/v1alpha1/group_version.hpp"
#include "controllers/status/status_writer.hpp"
#include "unit/kube/fake_client.hpp"

using namespace labfleet;
using namespace labfleet::controllers;
using kube::Json;
using kube::testing::FakeClient;

namespace {
class NoEvents final : public kube::EventSink {
public:
    void record(const Json&, kube::EventType, std::string, std::string, std::string) override {}
};

struct Fixture {
    boost::asio::io_context io;
    FakeClient client;
    kube::FakeClock clock;
    kube::Store workloads, targets, policies, leases, config_maps, deployments, services;
    NoEvents events;
    Context context{client, clock, Caches{workloads, targets, policies, leases, config_maps, deployments, services},
                    events};

    kube::ReconcileResult write(kube::ResourceType type, Json object, Json status) {
        StatusWrite status_write{std::move(type), std::make_shared<const Json>(std::move(object)), {}, {}, true,
                                 std::move(status)};
        std::optional<kube::ReconcileResult> out;
        boost::asio::co_spawn(io, write_status(context, std::move(status_write)),
                              [&](std::exception_ptr error, kube::ReconcileResult result) {
                                  if (error) std::rethrow_exception(error);
                                  out = std::move(result);
                              });
        io.run();
        REQUIRE(out);
        return *out;
    }
};

Json object(const std::string& kind) {
    return {{"kind", kind},
            {"metadata", {{"name", "a"}, {"resourceVersion", "7"}}},
            {"spec", {{"x", 1}}},
            {"status", {{"phase", "Active"}, {"observedGeneration", 1}}}};
}
} // namespace

// The chart grants update, not patch, on environmentleases/status: every
// lease status write must be a PUT, including the one for a lease that does not decode.
TEST_CASE("a lease's status is written by update, with the cached resourceVersion, the rest kept", "[status_writer]") {
    Fixture f;
    f.client.push_response(200, "{}");
    const Json status = {{"observedGeneration", 2}, {"conditions", Json::array()}};
    CHECK(f.write(api::v1alpha1::environment_leases(), object("EnvironmentLease"), status).kind ==
          kube::ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);
    const auto& request = f.client.requests[0];
    CHECK(request.method == kube::Method::Put);
    CHECK(request.target == "/apis/labfleet.dev/v1alpha1/environmentleases/a/status");
    const Json body = Json::parse(request.body);
    CHECK(body["metadata"]["resourceVersion"] == "7");
    CHECK(body["apiVersion"] == "labfleet.dev/v1alpha1");
    CHECK(body["status"] == Json({{"phase", "Active"}, {"observedGeneration", 2}, {"conditions", Json::array()}}));
}

TEST_CASE("the other kinds' status is written by a merge patch", "[status_writer]") {
    Fixture f;
    f.client.push_response(200, "{}");
    CHECK(f.write(api::v1alpha1::workloads(), object("Workload"), {{"observedGeneration", 2}}).kind ==
          kube::ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);
    CHECK(f.client.requests[0].method == kube::Method::Patch);
    CHECK(Json::parse(f.client.requests[0].body) ==
          Json({{"metadata", {{"resourceVersion", "7"}}}, {"status", {{"observedGeneration", 2}}}}));
}

TEST_CASE("a lease status update that conflicts is a stale cache: a requeue", "[status_writer]") {
    Fixture f;
    f.client.push_response(409, R"({"kind":"Status","reason":"Conflict","code":409})");
    CHECK(f.write(api::v1alpha1::environment_leases(), object("EnvironmentLease"), {{"observedGeneration", 2}}).kind ==
          kube::ReconcileResult::Kind::Requeue);
}
