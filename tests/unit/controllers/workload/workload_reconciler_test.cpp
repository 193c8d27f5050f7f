#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "controllers/clusters/remote_finalizer.hpp"
#include "controllers/workload/workload_reconciler.hpp"
#include "kube/meta/time_format.hpp"
#include "unit/controllers/fixed_clusters.hpp"
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

/// Answers every request after 5 ms (GET: NotFound, anything else: 200), counting how many are
/// in flight at once and recording the order they reach it.
class SlowClient final : public kube::Client {
public:
    std::vector<kube::HttpRequest> requests;
    int in_flight = 0, most_in_flight = 0;

    boost::asio::awaitable<kube::Result<kube::HttpResponse>> send(kube::HttpRequest request) override {
        requests.push_back(request);
        most_in_flight = std::max(most_in_flight, ++in_flight);
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(5));
        co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        --in_flight;
        if (request.method == kube::Method::Get)
            co_return kube::api_error_from_response(404, R"({"kind":"Status","reason":"NotFound","code":404})");
        co_return kube::HttpResponse{200, R"({"metadata":{"name":"x"}})"};
    }
    boost::asio::awaitable<kube::Result<std::unique_ptr<kube::WatchStream>>> stream(kube::HttpRequest,
                                                                                   std::chrono::milliseconds) override {
        co_return kube::transport_error("stream", "not used");
    }
};

/// A workload "intro" of team a, a target qa-1 (namespace labs-qa) and a policy pairing them, with a
/// scripted FakeClient unless told otherwise.
template <class TestClient = FakeClient>
struct BasicFixture {
    boost::asio::io_context io;
    TestClient client;
    kube::FakeClock clock;
    kube::Store workloads, targets, policies, leases, config_maps, deployments, services;
    RecordingSink events;
    Context context{client, clock, Caches{workloads, targets, policies, leases, config_maps, deployments, services},
                    events, nullptr};
    WorkloadReconciler reconciler{context};

    BasicFixture() {
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
        desired.deployment["status"] = {
            {"observedGeneration", 1}, {"replicas", 1}, {"updatedReplicas", 1}, {"readyReplicas", 1},
            {"availableReplicas", 1}};
        config_maps.apply(ptr(desired.config_map));
        deployments.apply(ptr(desired.deployment));
        services.apply(ptr(desired.service));
    }

    ReconcileResult run(const std::string& key = "intro", WorkloadReconciler* with = nullptr) {
        std::optional<ReconcileResult> out;
        boost::asio::co_spawn(io, (with ? *with : reconciler).reconcile(key), [&](std::exception_ptr error, ReconcileResult result) {
            if (error) std::rethrow_exception(error);
            out = std::move(result);
        });
        io.restart();
        io.run();
        REQUIRE(out);
        return *out;
    }

    /// Makes the target namespace known to exist, as the target reconciler would have.
    void namespace_known(const std::string& ns = "labs-qa") {
        client.push_response(200, R"({"metadata":{"name":")" + ns + R"("}})");
        boost::asio::co_spawn(io, context.namespaces->ensure(client, ns), boost::asio::detached);
        io.restart();
        io.run();
        REQUIRE(context.namespaces->known(ns));
        client.requests.clear();
    }

    /// The status the last request wrote, as the watch would bring it back.
    Json last_written_status() { return Json::parse(client.requests.back().body)["status"]; }
};
using Fixture = BasicFixture<>;

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
    f.namespace_known();
    f.client.push_response(200, "{}");  // apply
    f.client.push_response(200, "{}");  // status
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 2);
    CHECK(f.client.requests[0].content_type == "application/apply-patch+yaml");
    CHECK(f.client.requests[0].target.find("/apis/apps/v1/namespaces/labs-qa/deployments/intro-files?") == 0);
    CHECK(f.client.requests[0].target.find("fieldManager=labfleet") != std::string::npos);
    CHECK(Json::parse(f.client.requests[0].body)["spec"]["replicas"] == 1);
    // A child changes what runs: never held back behind lease writes; its status is a report.
    CHECK(f.client.requests[0].rank == kube::WriteRank::Change);
    CHECK(f.client.requests[1].rank == kube::WriteRank::Report);
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
        CHECK(request.rank == kube::WriteRank::Change);
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
    f.client.push_response(200, R"({"metadata":{"name":"labs-qa"}})");   // the namespace, read once
    for (int i = 0; i < 3; ++i) f.client.push_response(201, "{}");      // children created
    f.client.push_response(200, "{}");  // status
    f.run();
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].first == kube::EventType::Warning);
    CHECK(f.events.events[0].second == "UnknownPlaceholder");

    Json seen = w;
    seen["status"] = f.last_written_status();
    f.workloads.apply(ptr(seen));
    for (int i = 0; i < 3; ++i) f.client.push_response(201, "{}");
    f.client.push_response(200, "{}");
    f.run();
    CHECK(f.events.events.size() == 1);  // not again while the message stays the same
}

namespace {
const char* not_found = R"({"kind":"Status","reason":"NotFound","code":404,"message":"not found"})";
const char* name_taken = R"({"kind":"Status","reason":"Conflict","code":409,"message":"the object has been modified"})";

/// A Deployment `intro-files` in labs-qa that someone else made (kubectl apply).
Json foreign_deployment() {
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", "intro-files"}, {"namespace", "labs-qa"}, {"uid", "uid-theirs"},
                          {"labels", {{"app", "x-files"}}},
                          {"managedFields", {{{"manager", "kubectl-client-side-apply"}, {"operation", "Update"}}}}}},
            {"spec", {{"replicas", 2}}}};
}

bool has_request(const FakeClient& client, kube::Method method, const std::string& target_prefix) {
    for (const auto& request : client.requests)
        if (request.method == method && request.target.rfind(target_prefix, 0) == 0) return true;
    return false;
}
} // namespace

TEST_CASE("workload reconciler: an object Labfleet did not create is left as is, with a condition and an Event",
          "[controllers][workload][io][ownership]") {
    Fixture f;
    f.client.push_response(200, R"({"metadata":{"name":"labs-qa"}})");  // GET namespace
    f.client.push_response(201, "{}");                             // ConfigMap created
    f.client.push_response(409, name_taken);                       // Deployment: the name is taken
    f.client.push_response(200, foreign_deployment().dump());      // GET Deployment: someone else's
    f.client.push_response(201, "{}");                             // Service created
    f.client.push_response(200, "{}");                             // status
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 6);
    // Every child the cache does not show is only created: the apply carries a resourceVersion precondition.
    for (int i : {1, 2, 4}) {
        CHECK(f.client.requests[i].content_type == "application/apply-patch+yaml");
        CHECK(Json::parse(f.client.requests[i].body)["metadata"]["resourceVersion"] == "1");
    }
    CHECK(f.client.requests[2].target.rfind("/apis/apps/v1/namespaces/labs-qa/deployments/intro-files?", 0) == 0);
    CHECK(f.client.requests[3].method == kube::Method::Get);
    CHECK(f.client.requests[3].target == "/apis/apps/v1/namespaces/labs-qa/deployments/intro-files");
    int deployment_writes = 0;  // the refused create only, never an apply over theirs
    for (const auto& request : f.client.requests)
        if (request.target.find("/deployments/intro-files?") != std::string::npos) ++deployment_writes;
    CHECK(deployment_writes == 1);
    const Json status = f.last_written_status();
    bool degraded = false;
    for (const auto& condition : status["conditions"])
        if (condition["type"] == "Degraded") {
            degraded = condition["status"] == "True" && condition["reason"] == "ObjectNotOwned";
            CHECK(condition["message"].get<std::string>().find("Deployment labs-qa/intro-files") != std::string::npos);
        }
    CHECK(degraded);
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].first == kube::EventType::Warning);
    CHECK(f.events.events[0].second == "ObjectNotOwned");
}

TEST_CASE("workload reconciler: a child of its own the cache has not seen yet is read, then applied over",
          "[controllers][workload][io][ownership]") {
    Fixture f;
    f.children_as_desired();
    f.namespace_known();
    const Json ours = *f.deployments.get({"labs-qa", "intro-files"});
    f.deployments.remove(f.deployments.get({"labs-qa", "intro-files"}));  // written, not yet seen by the watch
    f.client.push_response(409, name_taken);    // the create is refused: the name is taken
    f.client.push_response(200, ours.dump());   // GET: Labfleet's own
    f.client.push_response(200, ours.dump());   // applied over
    f.client.push_response(200, "{}");          // status
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 4);
    CHECK(Json::parse(f.client.requests[0].body)["metadata"]["resourceVersion"] == "1");
    CHECK(f.client.requests[1].method == kube::Method::Get);
    CHECK(f.client.requests[2].target.rfind("/apis/apps/v1/namespaces/labs-qa/deployments/intro-files?", 0) == 0);
    CHECK_FALSE(Json::parse(f.client.requests[2].body)["metadata"].contains("resourceVersion"));
    CHECK(f.events.events.empty());
}

TEST_CASE("workload reconciler: children it created are waited for until the caches show them",
          "[controllers][workload][io][expectations]") {
    Fixture f;
    f.namespace_known();
    for (int i = 0; i < 4; ++i) f.client.push_response(200, "{}");  // three creates, the status
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 4);
    f.client.requests.clear();

    // Looked at again before the watch brought them: nothing is planned from the cache that lacks them.
    const ReconcileResult waiting = f.run();
    CHECK(waiting.kind == ReconcileResult::Kind::RequeueAfter);
    CHECK(waiting.after == std::chrono::seconds{5});
    CHECK(f.client.requests.empty());

    SECTION("once they are cached, planned as usual") {
        f.children_as_desired();
        f.client.push_response(200, "{}");  // the status, now ready
        CHECK(f.run().kind == ReconcileResult::Kind::Done);
        REQUIRE(f.client.requests.size() == 1);
        CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/workloads/intro/status");
    }
    SECTION("never shown within the timeout: planned without them, the create-only apply telling whose they are") {
        f.clock.advance(std::chrono::seconds{5});
        for (int i = 0; i < 4; ++i) f.client.push_response(200, "{}");
        CHECK(f.run().kind == ReconcileResult::Kind::Done);
        REQUIRE(f.client.requests.size() == 4);
        CHECK(Json::parse(f.client.requests[0].body)["metadata"]["resourceVersion"] == "1");
    }
}

TEST_CASE("workload reconciler: a namespace deleted under it is created again", "[controllers][workload][io][namespaces]") {
    Fixture f;
    f.children_as_desired();
    f.namespace_known();
    // The namespace is being deleted with its children; the cache shows one gone. The server
    // refuses its create: the namespace is forgotten, and that is no failed apply.
    f.config_maps.remove(f.config_maps.get({"labs-qa", "intro-workshop"}));
    f.client.push_response(403, R"({"kind":"Status","reason":"Forbidden","code":403,"message":"configmaps \"intro-workshop\" is forbidden: unable to create new content in namespace labs-qa because it is being terminated"})");
    f.client.push_response(200, "{}");  // status
    CHECK(f.run().kind == ReconcileResult::Kind::Error);  // retried with backoff
    REQUIRE(f.client.requests.size() == 2);
    CHECK(Json::parse(f.client.requests[0].body)["metadata"]["resourceVersion"] == "1");  // created only
    CHECK_FALSE(f.context.namespaces->known("labs-qa"));
    const Json written = f.last_written_status();  // held: a loop over a temporary's member reads freed memory
    for (const auto& condition : written["conditions"])
        if (condition["type"] == "Degraded") CHECK(condition["status"] == "False");
    CHECK(f.events.events.empty());

    // Still being deleted: read, and nothing written into it.
    f.client.requests.clear();
    f.client.push_response(200, R"({"metadata":{"name":"labs-qa","deletionTimestamp":"2026-01-01T00:00:00Z"}})");
    f.client.push_response(200, "{}");  // status
    CHECK(f.run().kind == ReconcileResult::Kind::Error);
    REQUIRE_FALSE(f.client.requests.empty());
    CHECK(f.client.requests[0].target == "/api/v1/namespaces/labs-qa");
    for (const auto& request : f.client.requests)
        CHECK(request.target.find("/namespaces/labs-qa/") == std::string::npos);

    // Gone: created again, then the child.
    f.client.requests.clear();
    f.client.push_response(404, not_found);                             // GET namespace
    f.client.push_response(201, R"({"metadata":{"name":"labs-qa"}})");  // create namespace
    f.client.push_response(201, "{}");                                  // ConfigMap created
    f.client.push_response(200, "{}");                                  // status
    f.run();
    REQUIRE(f.client.requests.size() >= 3);
    CHECK(f.client.requests[1].method == kube::Method::Post);
    CHECK(f.client.requests[1].target == "/api/v1/namespaces");
    CHECK(f.client.requests[2].target.find("/api/v1/namespaces/labs-qa/configmaps/intro-workshop?") == 0);
    CHECK(f.context.namespaces->known("labs-qa"));
}

TEST_CASE("workload reconciler: a namespace being deleted holds back only its own target's children",
          "[controllers][workload][io][namespaces]") {
    Fixture f;
    f.targets.apply(ptr({{"metadata", {{"name", "qa-2"}, {"labels", {{"env", "qa"}}}}},
                         {"spec", {{"environment", "qa"}, {"namespace", "labs-qb"}}}}));
    f.client.push_response(200, R"({"metadata":{"name":"labs-qa","deletionTimestamp":"2026-01-01T00:00:00Z"}})");
    f.client.push_response(200, R"({"metadata":{"name":"labs-qb"}})");
    for (int i = 0; i < 3; ++i) f.client.push_response(201, "{}");  // qa-2's children created
    f.client.push_response(200, "{}");                               // status
    const ReconcileResult result = f.run();
    CHECK(result.kind == ReconcileResult::Kind::Error);
    CHECK(result.error.find("namespace labs-qa is being deleted") != std::string::npos);
    int into_qb = 0;
    for (const auto& request : f.client.requests) {
        CHECK(request.target.find("/namespaces/labs-qa/") == std::string::npos);
        if (request.target.find("/namespaces/labs-qb/") != std::string::npos) ++into_qb;
    }
    CHECK(into_qb == 3);
}

TEST_CASE("workload reconciler: an apply that finds the namespace gone forgets it", "[controllers][workload][io][namespaces]") {
    Fixture f;
    f.children_as_desired();
    f.namespace_known();
    Json edited = *f.deployments.get({"labs-qa", "intro-files"});
    edited["spec"]["replicas"] = 7;
    f.deployments.apply(ptr(edited));
    f.client.push_response(404, R"({"kind":"Status","reason":"NotFound","code":404,"message":"namespaces \"labs-qa\" not found"})");
    f.client.push_response(200, "{}");  // status
    CHECK(f.run().kind == ReconcileResult::Kind::Error);
    CHECK_FALSE(f.context.namespaces->known("labs-qa"));  // the next reconcile reads (and creates) it
}

TEST_CASE("workload reconciler: the namespace's new target replaces the Deployment whose selector is immutable",
          "[controllers][workload][io][namespaces]") {
    Fixture f;
    f.children_as_desired();
    f.namespace_known();
    // qa-1 is deleted and qa-2 takes its namespace over.
    f.targets.remove(f.targets.get({"", "qa-1"}));
    f.targets.apply(ptr({{"metadata", {{"name", "qa-2"}, {"labels", {{"env", "qa"}}}}},
                         {"spec", {{"environment", "qa"}, {"namespace", "labs-qa"}}}}));
    for (int i = 0; i < 4; ++i) f.client.push_response(200, "{}");  // delete, apply ConfigMap and Service, status
    f.run();
    REQUIRE(f.client.requests.size() == 4);
    CHECK(f.client.requests[0].method == kube::Method::Delete);
    CHECK(f.client.requests[0].target.rfind("/apis/apps/v1/namespaces/labs-qa/deployments/intro-files", 0) == 0);
    CHECK(Json::parse(f.client.requests[0].body)["preconditions"]["uid"] == "uid-Deployment");
    CHECK(f.client.requests[1].target.find("/configmaps/intro-workshop?") != std::string::npos);
    CHECK(f.client.requests[2].target.find("/services/intro-files?") != std::string::npos);
    CHECK(Json::parse(f.client.requests[2].body)["spec"]["selector"]["labfleet.dev/target"] == "qa-2");
}

TEST_CASE("workload reconciler: of two targets in one namespace only the older is written",
          "[controllers][workload][io][namespaces]") {
    Fixture f;
    Json older = *f.targets.get({"", "qa-1"});
    older["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
    f.targets.apply(ptr(older));
    f.targets.apply(ptr({{"metadata", {{"name", "qa-0"}, {"creationTimestamp", "2026-06-01T00:00:00Z"},
                                       {"labels", {{"env", "qa"}}}}},
                         {"spec", {{"environment", "qa"}, {"namespace", "labs-qa"}}}}));
    f.children_as_desired();
    f.client.push_response(200, "{}");  // status
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);  // nothing for qa-0, which would overwrite qa-1's children
    const Json status = f.last_written_status();
    REQUIRE(status["targets"].size() == 1);
    CHECK(status["targets"][0]["name"] == "qa-1");
}

TEST_CASE("workload reconciler: a target in a denied namespace gets nothing", "[controllers][workload][io][namespaces]") {
    Fixture f;
    f.targets.apply(ptr({{"metadata", {{"name", "qa-1"}, {"labels", {{"env", "qa"}}}}},
                         {"spec", {{"environment", "qa"}, {"namespace", "kube-system"}}}}));
    f.client.push_response(200, "{}");  // status
    f.run();
    REQUIRE(f.client.requests.size() == 1);
    CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/workloads/intro/status");
    CHECK_FALSE(has_request(f.client, kube::Method::Get, "/api/v1/namespaces/kube-system"));
}

TEST_CASE("workload reconciler: an undecodable policy stops pruning only on the targets it could assign",
          "[controllers][workload][io]") {
    Fixture f;
    f.children_as_desired();
    // Another target, no longer assigned, still has children; a broken policy could only select qa targets.
    f.targets.apply(ptr({{"metadata", {{"name", "stg-1"}, {"labels", {{"env", "stg"}}}}},
                         {"spec", {{"environment", "stg"}, {"namespace", "labs-stg"}}}}));
    Json stale = *f.config_maps.get({"labs-qa", "intro-workshop"});
    stale["metadata"]["namespace"] = "labs-stg";
    stale["metadata"]["uid"] = "uid-stale";
    stale["metadata"]["labels"]["labfleet.dev/target"] = "stg-1";
    f.config_maps.apply(ptr(stale));
    f.policies.apply(ptr({{"metadata", {{"name", "broken"}}},
                          {"spec", {{"workloadSelector", {{"matchExpressions", {{{"key", "team"}, {"operator", "Bogus"}}}}}},
                                    {"targetSelector", {{"matchLabels", {{"env", "qa"}}}}}}}}));
    f.client.push_response(200, "{}");  // delete the stale ConfigMap on stg-1
    f.client.push_response(200, "{}");  // status
    f.run();
    REQUIRE(f.client.requests.size() == 2);
    CHECK(f.client.requests[0].method == kube::Method::Delete);
    CHECK(f.client.requests[0].target.rfind("/api/v1/namespaces/labs-stg/configmaps/intro-workshop", 0) == 0);
}

TEST_CASE("workload reconciler: the children of several targets are written side by side, ConfigMaps first",
          "[controllers][workload][io]") {
    BasicFixture<SlowClient> f;
    for (const char* name : {"qa-2", "qa-3", "qa-4"})
        f.targets.apply(ptr({{"metadata", {{"name", name}, {"labels", {{"env", "qa"}}}}},
                             {"spec", {{"environment", "qa"}, {"namespace", std::string("labs-") + name}}}}));
    CHECK(f.run().kind == ReconcileResult::Kind::Done);
    const SlowClient& client = f.client;

    // 4 targets x 3 children, each created (absent from the cache), none read first.
    std::vector<std::string> applied;
    for (const auto& request : client.requests)
        if (request.content_type == "application/apply-patch+yaml")
            applied.push_back(request.target.substr(0, request.target.find('?')));
    REQUIRE(applied.size() == 12);
    for (const auto& request : client.requests)  // only the namespaces are read
        if (request.method == kube::Method::Get) CHECK(std::ranges::count(request.target, '/') == 4);
    for (std::size_t i = 0; i < applied.size(); ++i)
        CHECK((applied[i].find("/configmaps/") != std::string::npos) == (i < 4));
    // Side by side: the four ConfigMaps' creates are in flight together, and more than that after.
    CHECK(client.most_in_flight >= 4);
}

namespace {

/// The basic fixture plus a target stg-eu (namespace labs) in cluster eu, which the policy
/// assigns too, reached through `clusters`; its reconciler is `remote_reconciler`.
struct RemoteFixture : Fixture {
    FakeClient remote;
    TargetNamespaces remote_namespaces;
    testing::FixedClusters clusters;
    kube::Store remote_config_maps, remote_deployments, remote_services;
    Context remote_context = [this] {
        Context with = context;
        with.remotes = &clusters;
        return with;
    }();
    WorkloadReconciler remote_reconciler{remote_context};

    RemoteFixture() {
        for (auto* store : {&remote_config_maps, &remote_deployments, &remote_services}) add_child_indexes(*store);
        clusters.stores = {{"eu", &remote_config_maps, &remote_deployments, &remote_services}};
        clusters.answer.client = &remote;
        clusters.answer.namespaces = &remote_namespaces;
        clusters.answer.uid = "uid-of-eu";
        clusters.answer.synced = true;
        targets.apply(ptr({{"metadata", {{"name", "stg-eu"}, {"labels", {{"env", "qa"}}}}},
                           {"spec", {{"environment", "stg"}, {"namespace", "labs"}, {"cluster", {{"name", "eu"}}}}},
                           {"status", {{"clusterUID", "uid-of-eu"}}}}));
    }

    ReconcileResult run_remote() { return run("intro", &remote_reconciler); }

    /// The workload, deleted now, still holding `finalizers`.
    void workload_deleted(Json finalizers) {
        Json w = workload_json();
        w["metadata"]["deletionTimestamp"] = kube::format_rfc3339(clock.now());
        w["metadata"]["finalizers"] = std::move(finalizers);
        workloads.apply(ptr(w));
    }

    /// A child of the workload in cluster eu, as the remote watch caches it.
    void remote_child(const std::string& name, const std::string& uid) {
        remote_config_maps.apply(ptr({{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                      {"metadata", {{"name", name}, {"namespace", "labs"}, {"uid", uid},
                                                    {"labels", {{"app.kubernetes.io/managed-by", "labfleet"},
                                                                {"labfleet.dev/workload", "intro"},
                                                                {"labfleet.dev/target", "stg-eu"},
                                                                {"labfleet.dev/workload-uid", "uid-intro"},
                                                                {"labfleet.dev/installation", "home-uid"}}}}}}));
    }
};

} // namespace

TEST_CASE("workload reconciler: a workload assigned to another cluster gets the finalizer before anything is written there",
          "[controllers][workload][io][clusters]") {
    RemoteFixture f;
    f.client.push_response(200, "{}");  // the finalizer patch
    CHECK(f.run_remote().kind == ReconcileResult::Kind::Done);
    CHECK(f.remote.requests.empty());
    REQUIRE(f.client.requests.size() == 1);
    CHECK(f.client.requests[0].method == kube::Method::Patch);
    CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/workloads/intro");
    CHECK(Json::parse(f.client.requests[0].body)["metadata"]["finalizers"] == Json{remote_objects_finalizer});

    SECTION("its children there carry the workload's uid and the installation, and no ownerReference") {
        const auto w = api::v1alpha1::Workload::from_json(workload_json()).value();
        const auto t = api::v1alpha1::DeploymentTarget::from_json(*f.targets.get({"", "stg-eu"})).value();
        const auto desired = build_desired_objects(w, t, resolve_images(w, t), f.clusters.installation());
        for (const Json& object : desired.all()) {
            CHECK(object["metadata"]["labels"]["labfleet.dev/workload-uid"] == "uid-intro");
            CHECK(object["metadata"]["labels"]["labfleet.dev/installation"] == "home-uid");
            CHECK_FALSE(object["metadata"].contains("ownerReferences"));
        }
    }
}

TEST_CASE("workload reconciler: a workload no longer in another cluster lets its finalizer go",
          "[controllers][workload][io][clusters]") {
    RemoteFixture f;
    f.targets.remove(f.targets.get({"", "stg-eu"}));
    Json w = workload_json();
    w["metadata"]["finalizers"] = {"example.com/other", remote_objects_finalizer};
    f.workloads.apply(ptr(w));
    f.client.push_response(200, "{}");  // the finalizer patch
    f.run_remote();
    REQUIRE_FALSE(f.client.requests.empty());
    CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/workloads/intro");
    CHECK(Json::parse(f.client.requests[0].body)["metadata"]["finalizers"] == Json{"example.com/other"});
}

TEST_CASE("workload reconciler: a deleted workload's children in another cluster are deleted before it goes",
          "[controllers][workload][io][clusters]") {
    RemoteFixture f;
    f.workload_deleted({remote_objects_finalizer});
    f.remote_child("intro-workshop", "uid-cm");
    f.remote.push_response(200, "{}");  // the delete
    const auto first = f.run_remote();
    CHECK(first.kind == ReconcileResult::Kind::RequeueAfter);
    REQUIRE(f.remote.requests.size() == 1);
    CHECK(f.remote.requests[0].method == kube::Method::Delete);
    CHECK(f.remote.requests[0].target == "/api/v1/namespaces/labs/configmaps/intro-workshop");
    CHECK(Json::parse(f.remote.requests[0].body)["preconditions"]["uid"] == "uid-cm");
    CHECK(f.client.requests.empty());  // still held

    f.remote_config_maps.remove(f.remote_config_maps.get({"labs", "intro-workshop"}));  // the watch shows the delete
    f.client.push_response(200, "{}");                         // the finalizer patch
    CHECK(f.run_remote().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);
    CHECK(Json::parse(f.client.requests[0].body)["metadata"]["finalizers"] == Json::array());
    CHECK(f.events.events.empty());
}

TEST_CASE("workload reconciler: a deleted workload waits for a cluster that does not answer, then lets go saying so",
          "[controllers][workload][io][clusters]") {
    RemoteFixture f;
    f.clusters.answer = {};
    f.clusters.answer.reason = cluster_unreachable_reason;
    f.clusters.answer.message = "cluster eu does not answer: connect: timed out";
    f.workload_deleted({remote_objects_finalizer});
    f.remote_child("intro-workshop", "uid-cm");

    const auto waiting = f.run_remote();
    CHECK(waiting.kind == ReconcileResult::Kind::RequeueAfter);
    CHECK(waiting.after <= std::chrono::seconds{10});
    CHECK(f.client.requests.empty());
    CHECK(f.remote.requests.empty());

    f.clock.advance(f.remote_context.remote_cleanup_grace - std::chrono::seconds{5});
    CHECK(f.run_remote().after == std::chrono::seconds{5});  // the wait ends with the grace
    CHECK(f.client.requests.empty());

    f.clock.advance(std::chrono::seconds{5});
    f.client.push_response(200, "{}");  // the finalizer patch
    CHECK(f.run_remote().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);
    CHECK(Json::parse(f.client.requests[0].body)["metadata"]["finalizers"] == Json::array());
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0] == std::pair{kube::EventType::Warning, std::string(remote_objects_left_reason)});
    CHECK(f.remote.requests.empty());

    SECTION("once the cluster answers, the workload gone, its leftovers there are deleted") {
        f.workloads.remove(f.workloads.get({"", "intro"}));
        f.clusters.answer.client = &f.remote;
        f.clusters.answer.namespaces = &f.remote_namespaces;
        f.clusters.answer.uid = "uid-of-eu";
        f.clusters.answer.synced = true;
        f.clusters.answer.reason.clear();
        f.remote.push_response(200, "{}");  // the delete
        f.run_remote();
        REQUIRE(f.remote.requests.size() == 1);
        CHECK(f.remote.requests[0].method == kube::Method::Delete);
        CHECK(Json::parse(f.remote.requests[0].body)["preconditions"]["uid"] == "uid-cm");
    }
}

TEST_CASE("workload reconciler: a deleted workload waits for a cluster not listed yet, even with nothing cached",
          "[controllers][workload][io][clusters]") {
    RemoteFixture f;
    f.clusters.answer.synced = false;
    f.clusters.answer.reason = cluster_pending_reason;
    f.workload_deleted({remote_objects_finalizer});
    CHECK(f.run_remote().kind == ReconcileResult::Kind::RequeueAfter);
    CHECK(f.client.requests.empty());
}

TEST_CASE("workload reconciler: a deleted workload that does not decode still goes once its remote children are",
          "[controllers][workload][io][clusters]") {
    RemoteFixture f;
    Json w = workload_json();
    w["spec"]["images"] = "not an object";
    w["metadata"]["deletionTimestamp"] = kube::format_rfc3339(f.clock.now());
    w["metadata"]["finalizers"] = {remote_objects_finalizer};
    f.workloads.apply(ptr(w));
    f.client.push_response(200, "{}");  // the finalizer patch
    CHECK(f.run_remote().kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);
    CHECK(Json::parse(f.client.requests[0].body)["metadata"]["finalizers"] == Json::array());
}
