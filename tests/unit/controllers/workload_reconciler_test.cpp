#include <catch2/catch.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "controllers/workload_reconciler.hpp"
#include "unit/kube/fake_client.hpp"

using namespace labfleet;
using namespace labfleet::controllers;
using kube::Json;
using kube::ReconcileResult;
using kube::testing::FakeClient;

namespace {

class RecordingSink final : public kube::EventSink {
public:
    void record(const Json&, kube::EventType type, std::string reason, std::string, std::string) override {
        events.push_back({type, std::move(reason)});
    }
    std::vector<std::pair<kube::EventType, std::string>> events;
};

kube::ObjectPtr ptr(Json json) { return std::make_shared<const Json>(std::move(json)); }

Json workload_json(Json status = nullptr) {
    Json w = {{"apiVersion", "labfleet.dev/v1alpha1"},
              {"kind", "Workload"},
              {"metadata", {{"name", "intro"}, {"uid", "uid-intro"}, {"generation", 1}, {"resourceVersion", "10"},
                            {"labels", {{"team", "a"}}}}},
              {"spec", {{"images", {{"workshop", {{"repository", "labs/intro"}}},
                                    {"files", {{"repository", "labs/intro-files"}}}}}}}};
    if (!status.is_null()) w["status"] = std::move(status);
    return w;
}

struct Fixture {
    boost::asio::io_context io;
    FakeClient client;
    kube::FakeClock clock;
    kube::Store workloads, targets, policies, leases, config_maps, deployments, services;
    RecordingSink events;
    Context context{client, clock, Caches{workloads, targets, policies, leases, config_maps, deployments, services},
                    events, nullptr};
    WorkloadReconciler reconciler{context};

    Fixture() {
        targets.apply(ptr({{"metadata", {{"name", "qa-1"}, {"labels", {{"env", "qa"}}}}},
                           {"spec", {{"environment", "qa"}, {"namespace", "labs-qa"}}}}));
        policies.apply(ptr({{"metadata", {{"name", "p"}}},
                            {"spec", {{"workloadSelector", {{"matchLabels", {{"team", "a"}}}}},
                                      {"targetSelector", {{"matchLabels", {{"env", "qa"}}}}}}}}));
        workloads.apply(ptr(workload_json()));
    }

    /// Puts the children into the caches as the API server would return them, rolled out and ready.
    void children_as_desired() {
        const auto w = api::v1alpha1::Workload::from_json(*workloads.get({"", "intro"})).value();
        const auto t = api::v1alpha1::DeploymentTarget::from_json(*targets.get({"", "qa-1"})).value();
        auto desired = build_desired_objects(w, t, resolve_images(w, t));
        for (Json* object : {&desired.config_map, &desired.deployment, &desired.service}) {
            (*object)["metadata"]["uid"] = "uid-" + (*object)["kind"].get<std::string>();
            (*object)["metadata"]["generation"] = 1;
        }
        desired.deployment["status"] = {{"observedGeneration", 1}, {"updatedReplicas", 1}, {"readyReplicas", 1}};
        config_maps.apply(ptr(desired.config_map));
        deployments.apply(ptr(desired.deployment));
        services.apply(ptr(desired.service));
    }

    ReconcileResult run(const std::string& key = "intro") {
        std::optional<ReconcileResult> out;
        boost::asio::co_spawn(io, reconciler.reconcile(key), [&](std::exception_ptr error, ReconcileResult result) {
            if (error) std::rethrow_exception(error);
            out = std::move(result);
        });
        io.restart();
        io.run();
        REQUIRE(out);
        return *out;
    }

    /// The status the last request wrote, as the watch would bring it back.
    Json last_written_status() { return Json::parse(client.requests.back().body)["status"]; }
};

} // namespace

TEST_CASE("workload reconciler: as desired, one status write, then quiet", "[controllers][workload][io]") {
    Fixture f;
    f.children_as_desired();
    f.client.push_response(200, "{}");
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);
    CHECK(f.client.requests[0].method == kube::Method::Patch);
    CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/workloads/intro/status");
    const Json status = f.last_written_status();
    CHECK(status["targets"][0]["readyReplicas"] == 1);
    CHECK(status["conditions"][0]["status"] == "True");

    f.workloads.apply(ptr(workload_json(status)));
    f.clock.advance(std::chrono::minutes{5});
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    CHECK(f.client.requests.size() == 1);  // nothing written the second time
}

TEST_CASE("workload reconciler: drift is applied with server-side apply", "[controllers][workload][io]") {
    Fixture f;
    f.children_as_desired();
    Json edited = *f.deployments.get({"labs-qa", "intro-files"});
    edited["spec"]["replicas"] = 7;
    f.deployments.apply(ptr(edited));
    f.client.push_response(200, "{}");  // apply
    f.client.push_response(200, "{}");  // status
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 2);
    CHECK(f.client.requests[0].content_type == "application/apply-patch+yaml");
    CHECK(f.client.requests[0].target.find("/apis/apps/v1/namespaces/labs-qa/deployments/intro-files?") == 0);
    CHECK(f.client.requests[0].target.find("fieldManager=labfleet") != std::string::npos);
    CHECK(Json::parse(f.client.requests[0].body)["spec"]["replicas"] == 1);
}

TEST_CASE("workload reconciler: an invalid spec is Degraded, with an Event, and no child is touched",
          "[controllers][workload][io]") {
    Fixture f;
    f.children_as_desired();
    Json bad = workload_json();
    bad["spec"]["overrides"] = {{{"environment", "qa"}, {"target", "qa-1"}, {"files", {{"tag", "x"}}}}};
    f.workloads.apply(ptr(bad));
    f.client.push_response(200, "{}");
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);
    CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/workloads/intro/status");
    const Json status = f.last_written_status();
    CHECK_FALSE(status.contains("targets"));
    bool degraded = false;
    for (const auto& condition : status["conditions"])
        if (condition["type"] == "Degraded") degraded = condition["status"] == "True";
    CHECK(degraded);
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].first == kube::EventType::Warning);
    CHECK(f.events.events[0].second == "InvalidSpec");
}

TEST_CASE("workload reconciler: children of a workload that is gone are deleted by uid",
          "[controllers][workload][io]") {
    Fixture f;
    f.children_as_desired();
    f.workloads.remove(f.workloads.get({"", "intro"}));
    for (int i = 0; i < 3; ++i) f.client.push_response(200, "{}");
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 3);
    for (const auto& request : f.client.requests) {
        CHECK(request.method == kube::Method::Delete);
        CHECK(Json::parse(request.body)["preconditions"]["uid"].get<std::string>().rfind("uid-", 0) == 0);
    }
}

TEST_CASE("workload reconciler: a stale cache on the status write is a requeue, not an error", "[controllers][workload][io]") {
    Fixture f;
    f.children_as_desired();
    f.client.push_response(409, R"({"kind":"Status","reason":"Conflict","code":409})");
    CHECK(f.run().kind == ReconcileResult::Kind::Requeue);
}

TEST_CASE("workload reconciler: an unknown placeholder gives one Warning event", "[controllers][workload][io]") {
    Fixture f;
    Json w = workload_json();
    w["spec"]["workshop"] = {{"image", "${WORKSHOP_IMAGES}"}};
    f.workloads.apply(ptr(w));
    for (int i = 0; i < 4; ++i) f.client.push_response(200, "{}");  // three applies and the status
    f.run();
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].first == kube::EventType::Warning);
    CHECK(f.events.events[0].second == "UnknownPlaceholder");

    Json seen = w;
    seen["status"] = f.last_written_status();
    f.workloads.apply(ptr(seen));
    for (int i = 0; i < 4; ++i) f.client.push_response(200, "{}");
    f.run();
    CHECK(f.events.events.size() == 1);  // not again while the message stays the same
}
