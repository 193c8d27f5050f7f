#include <catch2/catch.hpp>

#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "controllers/target/deployment_target_reconciler.hpp"
#include "controllers/clusters/remote_finalizer.hpp"
#include "unit/controllers/fixed_clusters.hpp"
#include "kube/meta/time_format.hpp"
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

Json target_json(const std::string& name, const std::string& ns, const std::string& created) {
    return {{"apiVersion", "labfleet.dev/v1alpha1"},
            {"kind", "DeploymentTarget"},
            {"metadata", {{"name", name}, {"uid", "uid-" + name}, {"generation", 1}, {"resourceVersion", "3"},
                          {"creationTimestamp", created}}},
            {"spec", {{"environment", "stg"}, {"namespace", ns}}}};
}

const char* not_found = R"({"kind":"Status","reason":"NotFound","code":404,"message":"not found"})";

/// `context` with `remotes` as its registered clusters.
Context with_remotes(Context context, RemoteClusters* remotes) {
    context.remotes = remotes;
    return context;
}

struct Fixture {
    explicit Fixture(RemoteClusters* remotes = nullptr) : remotes(remotes) {}
    RemoteClusters* remotes;
    boost::asio::io_context io;
    FakeClient client;
    kube::FakeClock clock;
    kube::Store workloads, targets, policies, leases, config_maps, deployments, services;
    RecordingSink events;
    Context context = with_remotes(
        {client, clock, Caches{workloads, targets, policies, leases, config_maps, deployments, services}, events, nullptr},
        remotes);
    DeploymentTargetReconciler reconciler{context};

    /// Runs `with` (default: the fixture's reconciler) on `key` to its end.
    ReconcileResult run(const std::string& key, DeploymentTargetReconciler* with = nullptr) {
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

    /// The Ready condition of the last status written.
    Json written_ready() {
        const Json status = Json::parse(client.requests.back().body)["status"];
        for (const auto& condition : status["conditions"])
            if (condition["type"] == "Ready") return condition;
        return nullptr;
    }
};

} // namespace

TEST_CASE("target reconciler: a target in a denied namespace is refused, its namespace never touched",
          "[controllers][target][io][namespaces]") {
    Fixture f;
    f.targets.apply(ptr(target_json("sys", "kube-system", "2026-01-01T00:00:00Z")));
    f.client.push_response(200, "{}");  // status
    CHECK(f.run("sys").kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);  // no GET or POST of the namespace
    CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/deploymenttargets/sys/status");
    const Json ready = f.written_ready();
    CHECK(ready["status"] == "False");
    CHECK(ready["reason"] == "NamespaceDenied");
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].first == kube::EventType::Warning);
    CHECK(f.events.events[0].second == "NamespaceDenied");
}

TEST_CASE("target reconciler: of two targets naming one namespace the younger is refused",
          "[controllers][target][io][namespaces]") {
    Fixture f;
    f.targets.apply(ptr(target_json("stg", "labs", "2026-01-01T00:00:00Z")));
    f.targets.apply(ptr(target_json("stg2", "labs", "2026-02-01T00:00:00Z")));
    f.client.push_response(200, "{}");  // status
    f.run("stg2");
    REQUIRE(f.client.requests.size() == 1);
    const Json ready = f.written_ready();
    CHECK(ready["reason"] == "NamespaceConflict");
    CHECK(ready["message"] ==
          "namespace labs belongs to target stg (the oldest target naming it): nothing is written for this one");

    SECTION("the older one gets the namespace") {
        f.client.requests.clear();
        f.client.push_response(200, R"({"metadata":{"name":"labs"}})");  // GET namespace
        f.client.push_response(200, "{}");                                // status
        f.run("stg");
        REQUIRE(f.client.requests.size() == 2);
        CHECK(f.written_ready()["reason"] == "NamespaceReady");
    }
    SECTION("once the older is gone the younger holds it") {
        f.targets.remove(f.targets.get({"", "stg"}));
        f.client.requests.clear();
        f.client.push_response(200, R"({"metadata":{"name":"labs"}})");
        f.client.push_response(200, "{}");
        f.run("stg2");
        CHECK(f.written_ready()["reason"] == "NamespaceReady");
    }
}

TEST_CASE("target namespaces: known ones cost nothing, a forgotten one is read and created again",
          "[controllers][target][io][namespaces]") {
    Fixture f;
    f.targets.apply(ptr(target_json("stg", "labs", "2026-01-01T00:00:00Z")));
    f.client.push_response(404, not_found);                           // GET namespace
    f.client.push_response(201, R"({"metadata":{"name":"labs"}})");   // create it
    f.client.push_response(200, "{}");                                // status
    f.run("stg");
    REQUIRE(f.client.requests.size() == 3);
    CHECK(f.client.requests[1].method == kube::Method::Post);
    CHECK(Json::parse(f.client.requests[1].body)["metadata"]["name"] == "labs");
    CHECK(f.context.namespaces->known("labs"));

    // Another reconciler's write found it gone (namespace_missing): the shared registry forgets it.
    CHECK(namespace_missing(kube::api_error_from_response(
        404, R"({"kind":"Status","reason":"NotFound","code":404,"message":"namespaces \"labs\" not found"})")));
    CHECK(namespace_missing(kube::api_error_from_response(
        403, R"({"kind":"Status","reason":"Forbidden","code":403,"message":"unable to create new content in )"
             R"(namespace labs because it is being terminated"})")));
    CHECK_FALSE(namespace_missing(kube::api_error_from_response(403, R"({"kind":"Status","reason":"Forbidden","code":403})")));
    Context copy = f.context;
    copy.namespaces->forget("labs");
    CHECK_FALSE(f.context.namespaces->known("labs"));

    f.client.requests.clear();
    f.client.push_response(404, not_found);
    f.client.push_response(201, R"({"metadata":{"name":"labs"}})");
    f.client.push_response(200, "{}");  // status (the cache never saw the first write)
    f.run("stg");
    REQUIRE(f.client.requests.size() >= 2);
    CHECK(f.client.requests[0].method == kube::Method::Get);
    CHECK(f.client.requests[0].target == "/api/v1/namespaces/labs");
    CHECK(f.client.requests[1].method == kube::Method::Post);
}

TEST_CASE("status writer: an invalid target is Stalled with one Warning Event, a stale cache only requeues",
          "[controllers][target][io][health]") {
    Fixture f;
    Json invalid = target_json("stg", "Not_A_Label", "2026-01-01T00:00:00Z");
    f.targets.apply(ptr(invalid));
    f.client.push_response(409, R"({"kind":"Status","reason":"Conflict","code":409,"message":"stale"})");
    const ReconcileResult stale = f.run("stg");
    CHECK(stale.kind == ReconcileResult::Kind::Requeue);
    CHECK(stale.error == "status of stg: stale cache");
    CHECK(f.events.events.empty());  // nothing landed: nothing to announce

    f.client.push_response(200, "{}");
    CHECK(f.run("stg").kind == ReconcileResult::Kind::Done);
    const Json written = Json::parse(f.client.requests.back().body);
    CHECK(written["metadata"]["resourceVersion"] == "3");
    CHECK(written["status"]["observedGeneration"] == 1);
    std::map<std::string, std::string> conditions;
    for (const auto& condition : written["status"]["conditions"]) {
        conditions[condition["type"]] = condition["status"].get<std::string>() + "/" + condition["reason"].get<std::string>();
        CHECK(condition["observedGeneration"] == 1);
    }
    CHECK(conditions == std::map<std::string, std::string>{{"Ready", "False/InvalidSpec"},
                                                            {"Reconciling", "False/InvalidSpec"},
                                                            {"Stalled", "True/InvalidSpec"}});
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0] == std::pair{kube::EventType::Warning, std::string("InvalidSpec")});

    // The cache shows the write: nothing is written or announced again.
    invalid["status"] = written["status"];
    f.targets.apply(ptr(invalid));
    const auto before = f.client.requests.size();
    CHECK(f.run("stg").kind == ReconcileResult::Kind::Done);
    CHECK(f.client.requests.size() == before);
    CHECK(f.events.events.size() == 1);
}

namespace {

using testing::FixedClusters;

const char* finalizer = remote_objects_finalizer;

Json remote_target_json(const std::string& recorded_uid) {
    Json target = target_json("stg-eu", "labs", "2026-01-01T00:00:00Z");
    target["metadata"]["finalizers"] = {"example.com/other", finalizer};
    target["spec"]["cluster"] = {{"name", "eu"}};
    if (!recorded_uid.empty()) target["status"] = {{"clusterUID", recorded_uid}};
    return target;
}

struct RemoteFixture : Fixture {
    FakeClient remote;
    TargetNamespaces remote_namespaces;
    FixedClusters clusters;
    kube::Store remote_config_maps, remote_deployments, remote_services;
    RemoteFixture() : Fixture(&clusters) {  // used only once constructed
        for (auto* store : {&remote_config_maps, &remote_deployments, &remote_services}) add_child_indexes(*store);
        clusters.stores = {{"eu", &remote_config_maps, &remote_deployments, &remote_services}};
        clusters.answer.client = &remote;
        clusters.answer.namespaces = &remote_namespaces;
        clusters.answer.uid = "uid-of-eu";
        clusters.answer.synced = true;
    }
    Json written_status() { return Json::parse(client.requests.back().body)["status"]; }
};

} // namespace

TEST_CASE("target reconciler: a remote target records its cluster's identity and reads its namespace there",
          "[controllers][target][io][clusters]") {
    RemoteFixture f;
    f.targets.apply(ptr(remote_target_json("")));
    f.remote.push_response(200, R"({"metadata":{"name":"labs"}})");  // GET namespace, in the remote
    f.client.push_response(200, "{}");                                // status, at home
    f.run("stg-eu");
    REQUIRE(f.remote.requests.size() == 1);
    CHECK(f.remote.requests[0].target == "/api/v1/namespaces/labs");
    REQUIRE(f.client.requests.size() == 1);
    CHECK(f.written_status()["clusterUID"] == "uid-of-eu");
    CHECK(f.written_ready()["reason"] == "NamespaceReady");
    CHECK(f.remote_namespaces.known("labs"));
    CHECK_FALSE(f.context.namespaces->known("labs"));  // the home cluster's namespaces are another set

    SECTION("its workloads may now write there, and only there") {
        auto decoded = api::v1alpha1::DeploymentTarget::from_json(remote_target_json("uid-of-eu"));
        const ClusterAccess access = access_for(f.context, decoded.value());
        CHECK(access.writable());
        CHECK(access.client == &f.remote);
    }
    SECTION("until it has recorded the identity, nothing is written") {
        auto decoded = api::v1alpha1::DeploymentTarget::from_json(remote_target_json(""));
        const ClusterAccess access = access_for(f.context, decoded.value());
        CHECK_FALSE(access.writable());
        CHECK(access.reason == cluster_pending_reason);
    }
}

TEST_CASE("target reconciler: a cluster that now leads elsewhere stalls the target and is not touched",
          "[controllers][target][io][clusters]") {
    RemoteFixture f;
    f.targets.apply(ptr(remote_target_json("uid-recorded-first")));
    f.client.push_response(200, "{}");  // status
    f.run("stg-eu");
    CHECK(f.remote.requests.empty());
    CHECK(f.written_status()["clusterUID"] == "uid-recorded-first");  // the first cluster stays the target's
    CHECK(f.written_ready()["reason"] == cluster_changed_reason);
    CHECK(f.written_ready()["status"] == "False");
    auto decoded = api::v1alpha1::DeploymentTarget::from_json(remote_target_json("uid-recorded-first"));
    const ClusterAccess access = access_for(f.context, decoded.value());
    CHECK_FALSE(access.writable());
    CHECK(access.reason == cluster_changed_reason);
}

TEST_CASE("target reconciler: an unreachable cluster turns the target not ready and keeps what it recorded",
          "[controllers][target][io][clusters]") {
    RemoteFixture f;
    f.clusters.answer = {};
    f.clusters.answer.reason = cluster_unreachable_reason;
    f.clusters.answer.message = "cluster eu does not answer: connect: timed out";
    f.targets.apply(ptr(remote_target_json("uid-of-eu")));
    f.client.push_response(200, "{}");  // status
    f.run("stg-eu");
    CHECK(f.remote.requests.empty());
    CHECK(f.written_status()["clusterUID"] == "uid-of-eu");
    const Json ready = f.written_ready();
    CHECK(ready["status"] == "False");
    CHECK(ready["reason"] == cluster_unreachable_reason);
    CHECK(ready["message"] == "cluster eu does not answer: connect: timed out");
}

TEST_CASE("target reconciler: a target naming a cluster in a process without remotes is stalled",
          "[controllers][target][io][clusters]") {
    Fixture f;
    f.targets.apply(ptr(remote_target_json("")));
    f.client.push_response(200, "{}");  // status
    f.run("stg-eu");
    REQUIRE(f.client.requests.size() == 1);
    CHECK(f.written_ready()["reason"] == cluster_invalid_reason);
}

TEST_CASE("target reconciler: a remote target gets the finalizer first, beside the others it has",
          "[controllers][target][io][clusters]") {
    RemoteFixture f;
    Json target = remote_target_json("");
    target["metadata"]["finalizers"] = {"example.com/other"};
    f.targets.apply(ptr(target));
    f.client.push_response(200, "{}");  // patch
    CHECK(f.run("stg-eu").kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);
    CHECK(f.client.requests[0].method == kube::Method::Patch);
    CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/deploymenttargets/stg-eu");
    const Json patch = Json::parse(f.client.requests[0].body);
    CHECK(patch["metadata"]["finalizers"] == Json{"example.com/other", finalizer});
    CHECK(patch["metadata"]["resourceVersion"] == "3");
    CHECK(f.remote.requests.empty());
}

namespace {
Json child(const std::string& kind, const std::string& name) {
    return {{"kind", kind},
            {"metadata", {{"name", name}, {"namespace", "labs"}, {"uid", "uid-" + name},
                          {"labels", {{"labfleet.dev/target", "stg-eu"}, {"labfleet.dev/workload", "intro"}}}}}};
}
Json deleted_remote_target(kube::WallTime at = kube::WallTime{std::chrono::seconds{1'600'000'000}}) {
    Json target = remote_target_json("uid-of-eu");
    target["metadata"]["deletionTimestamp"] = kube::format_rfc3339(at);
    return target;
}
} // namespace

TEST_CASE("target reconciler: a deleted remote target removes its objects there, then lets go",
          "[controllers][target][io][clusters]") {
    RemoteFixture f;
    f.targets.apply(ptr(deleted_remote_target()));
    f.remote_config_maps.apply(ptr(child("ConfigMap", "intro-workshop")));
    f.remote_deployments.apply(ptr(child("Deployment", "intro-files")));
    f.config_maps.apply(ptr(child("ConfigMap", "intro-workshop")));  // the home cluster's namesake is not its
    f.remote.push_response(200, "{}");
    f.remote.push_response(404, not_found);  // gone already: fine
    CHECK(f.run("stg-eu").kind == ReconcileResult::Kind::RequeueAfter);
    REQUIRE(f.remote.requests.size() == 2);
    for (const auto& request : f.remote.requests) {
        CHECK(request.method == kube::Method::Delete);
        CHECK(Json::parse(request.body)["preconditions"]["uid"].get<std::string>().starts_with("uid-intro-"));
    }
    CHECK(f.client.requests.empty());  // the finalizer stays while the cache still shows them

    f.remote_config_maps.remove(f.remote_config_maps.get({"labs", "intro-workshop"}));
    f.remote_deployments.remove(f.remote_deployments.get({"labs", "intro-files"}));
    f.client.push_response(200, "{}");
    CHECK(f.run("stg-eu").kind == ReconcileResult::Kind::Done);
    REQUIRE(f.client.requests.size() == 1);
    CHECK(Json::parse(f.client.requests[0].body)["metadata"]["finalizers"] == Json{"example.com/other"});
}

TEST_CASE("target reconciler: a deleted target whose cluster does not answer waits the grace, then leaves its "
          "objects with a Warning", "[controllers][target][io][clusters]") {
    RemoteFixture f;
    f.context.remote_cleanup_grace = std::chrono::minutes{10};
    f.clusters.answer = {};
    f.clusters.answer.reason = cluster_unreachable_reason;
    f.clusters.answer.message = "cluster eu does not answer";
    // The fixture's reconciler copied the context before the grace above was set.
    DeploymentTargetReconciler reconciler{f.context};
    auto run = [&] { return f.run("stg-eu", &reconciler); };
    f.targets.apply(ptr(deleted_remote_target(f.clock.now())));
    f.remote_deployments.apply(ptr(child("Deployment", "intro-files")));
    f.clock.advance(std::chrono::seconds{9 * 60 + 55});
    const ReconcileResult waiting = run();
    CHECK(waiting.kind == ReconcileResult::Kind::RequeueAfter);
    CHECK(waiting.after == std::chrono::seconds{5});
    CHECK(f.client.requests.empty());
    CHECK(f.remote.requests.empty());
    CHECK(f.events.events.empty());

    f.clock.advance(std::chrono::seconds{5});
    f.client.push_response(200, "{}");
    CHECK(run().kind == ReconcileResult::Kind::Done);
    CHECK(f.remote.requests.empty());
    REQUIRE(f.client.requests.size() == 1);
    CHECK(Json::parse(f.client.requests[0].body)["metadata"]["finalizers"] == Json{"example.com/other"});
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].first == kube::EventType::Warning);
    CHECK(f.events.events[0].second == "RemoteObjectsLeft");
}

TEST_CASE("target reconciler: nothing is read in a remote namespace before its caches and permissions are ready",
          "[controllers][target][io][clusters]") {
    RemoteFixture f;
    f.clusters.answer.synced = false;
    f.clusters.answer.reason = cluster_pending_reason;
    f.clusters.answer.message = "cluster eu: the objects in namespace labs are not listed yet";
    f.targets.apply(ptr(remote_target_json("uid-of-eu")));
    f.client.push_response(200, "{}");  // status
    const ReconcileResult result = f.run("stg-eu");
    CHECK(result.kind == ReconcileResult::Kind::RequeueAfter);
    CHECK(result.after == cluster_pending_recheck);
    CHECK(f.remote.requests.empty());
    CHECK(f.written_ready()["reason"] == cluster_pending_reason);
}
