#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <prometheus/registry.h>

#include "controllers/render/desired_objects.hpp"
#include "controllers/domain_metrics.hpp"
#include "controllers/lease/environment_lease_reconciler.hpp"
#include "kube/meta/time_format.hpp"
#include "unit/controllers/config_map_server.hpp"
#include "unit/kube/fake_client.hpp"

using namespace labfleet;
using namespace labfleet::controllers;
using kube::Json;
using kube::ReconcileResult;
using kube::WallTime;
using kube::testing::FakeClient;
using namespace std::chrono_literals;

namespace {

struct RecordedEvent {
    std::string regarding;
    kube::EventType type;
    std::string reason;
    std::string note;
    std::string action;
    std::string name;  // record_once only
};

/// Records what reaches the API server: a named Event once per name, as the
/// manager's sink (its recorder and AlreadyExists) makes it.
class RecordingSink final : public kube::EventSink {
public:
    void record(const Json& regarding, kube::EventType type, std::string reason, std::string note,
                std::string action) override {
        events.push_back({regarding["metadata"]["name"].get<std::string>(), type, std::move(reason), std::move(note),
                          std::move(action), {}});
    }
    void record_once(const Json& regarding, kube::EventType type, std::string reason, std::string note,
                     std::string action, std::string name) override {
        ++once_calls;
        if (!written.insert(name).second) return;
        events.push_back({regarding["metadata"]["name"].get<std::string>(), type, std::move(reason), std::move(note),
                          std::move(action), std::move(name)});
    }
    std::vector<RecordedEvent> events;
    std::set<std::string> written;  // Event names the API server holds
    int once_calls = 0;
};

Json lease_json(const std::string& name, WallTime created, const std::string& rv, Json status = nullptr,
                Json overrides = nullptr) {
    Json lease = {{"apiVersion", "labfleet.dev/v1alpha1"},
                  {"kind", "EnvironmentLease"},
                  {"metadata",
                   {{"name", name},
                    {"uid", "uid-" + name},
                    {"generation", 1},
                    {"resourceVersion", rv},
                    {"creationTimestamp", kube::format_rfc3339(created)}}},
                  {"spec", {{"target", "stg"}, {"holder", "ann"}, {"duration", "1h"}}}};
    if (!status.is_null()) lease["status"] = std::move(status);
    if (!overrides.is_null()) lease["spec"]["overrides"] = std::move(overrides);
    return lease;
}

Json target_json() {
    return {{"apiVersion", "labfleet.dev/v1alpha1"},
            {"kind", "DeploymentTarget"},
            {"metadata", {{"name", "stg"}, {"generation", 1}, {"resourceVersion", "7"}, {"labels", {{"env", "stg"}}}}},
            {"spec", {{"environment", "stg"}, {"namespace", "labs-stg"}}}};
}

kube::ObjectPtr ptr(Json json) { return std::make_shared<const Json>(std::move(json)); }

struct Fixture {
    boost::asio::io_context io;
    FakeClient client;
    testing::ConfigMapServer records{client};  // the served-leases records; the rest goes to `client`
    kube::FakeClock clock;
    kube::Store workloads, targets, policies, leases, config_maps, deployments, services;
    RecordingSink events;
    kube::RuntimeMetrics runtime_metrics;
    prometheus::Registry& registry = runtime_metrics.registry();
    DomainMetrics metrics{runtime_metrics};
    Context context{records, clock,
                    Caches{workloads, targets, policies, leases, config_maps, deployments, services},
                    events, &metrics};
    EnvironmentLeaseReconciler reconciler;

    explicit Fixture(EnvironmentLeaseOptions options = {}) : reconciler(context, options) {}

    const WallTime t0 = clock.now();

    ReconcileResult run(const std::string& key = "stg") {
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

    /// The API server accepts a status write and the watch brings it back.
    void accept_writes(int count) {
        for (int i = 0; i < count; ++i) client.push_response(200, "{}");
    }

    std::uint64_t lag_samples() {
        for (const auto& family : registry.Collect())
            if (family.name == "labfleet_lease_expiry_lag_seconds") return family.metric.at(0).histogram.sample_count;
        return 0;
    }
};

Json body_of(const kube::HttpRequest& request) { return Json::parse(request.body); }

} // namespace

TEST_CASE("a reconcile grants the first lease with resourceVersion-guarded status writes", "[lease_reconciler]") {
    Fixture f(EnvironmentLeaseOptions{24h, 1h});
    f.targets.apply(ptr(target_json()));
    f.leases.apply(ptr(lease_json("b", f.t0 - 1min, "11")));
    f.leases.apply(ptr(lease_json("a", f.t0 - 2min, "10")));
    f.accept_writes(2);

    const ReconcileResult result = f.run();

    REQUIRE(f.client.requests.size() == 2);
    const auto& grant = f.client.requests[0];
    CHECK(grant.method == kube::Method::Put);
    CHECK(grant.target == "/apis/labfleet.dev/v1alpha1/environmentleases/a/status");
    CHECK(grant.rank == kube::WriteRank::Urgent);
    const Json a = body_of(grant);
    CHECK(a["metadata"]["resourceVersion"] == "10");
    CHECK(a["status"]["phase"] == "Active");
    CHECK(a["status"]["observedGeneration"] == 1);
    CHECK(a["status"]["acquiredAt"] == kube::format_rfc3339(f.t0));
    CHECK(a["status"]["expiresAt"] == kube::format_rfc3339(f.t0 + 1h));
    const Json b = body_of(f.client.requests[1]);
    CHECK(b["metadata"]["resourceVersion"] == "11");
    CHECK(b["status"]["phase"] == "Pending");
    CHECK(b["status"]["queuePosition"] == 1);

    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].regarding == "a");
    CHECK(f.events.events[0].reason == "LeaseGranted");
    CHECK(f.events.events[0].action == "Grant");

    CHECK(result.kind == ReconcileResult::Kind::RequeueAfter);
    CHECK(result.after == 55min);  // the LeaseExpiring notice
}

TEST_CASE("a conflict stops the writes, records nothing and fails for a retry", "[lease_reconciler]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    f.leases.apply(ptr(lease_json("a", f.t0 - 2min, "10")));
    f.leases.apply(ptr(lease_json("b", f.t0 - 1min, "11")));
    f.client.push_response(409, R"({"kind":"Status","code":409,"reason":"Conflict","message":"the object has been modified"})");

    const ReconcileResult result = f.run();

    CHECK(result.kind == ReconcileResult::Kind::Error);
    CHECK(result.error.find("lease a") != std::string::npos);
    CHECK(f.client.requests.size() == 1);
    CHECK(f.events.events.empty());
}

TEST_CASE("the world as planned writes nothing and sleeps until the next deadline", "[lease_reconciler]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    f.leases.apply(ptr(lease_json("a", f.t0 - 2min, "10")));
    f.client.push_response(200, R"({"metadata":{"resourceVersion":"12"}})");
    f.run();
    // The watch brings back what was written.
    Json written = body_of(f.client.requests[0]);
    written["metadata"]["resourceVersion"] = "12";
    f.leases.apply(ptr(written));
    f.client.requests.clear();
    f.events.events.clear();
    f.clock.advance(10min);

    const ReconcileResult result = f.run();
    CHECK(f.client.requests.empty());
    CHECK(f.events.events.empty());
    CHECK(result.kind == ReconcileResult::Kind::RequeueAfter);
    CHECK(result.after == 5min);  // the backstop, before the notice 45 min away
}

TEST_CASE("expiry writes the old lease before granting the next and measures the lag", "[lease_reconciler]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    const Json active_status = {{"phase", "Active"},
                                {"queuePosition", 0},
                                {"acquiredAt", kube::format_rfc3339(f.t0 - 1h)},
                                {"expiresAt", kube::format_rfc3339(f.t0 - 2s)}};
    f.leases.apply(ptr(lease_json("a", f.t0 - 2h, "10", active_status)));
    f.leases.apply(ptr(lease_json("b", f.t0 - 1h, "11")));
    f.accept_writes(2);

    const ReconcileResult result = f.run();

    REQUIRE(f.client.requests.size() == 2);
    CHECK(body_of(f.client.requests[0])["status"]["phase"] == "Expired");
    CHECK(body_of(f.client.requests[1])["status"]["phase"] == "Active");
    REQUIRE(f.events.events.size() == 2);
    CHECK(f.events.events[0].reason == "LeaseExpired");
    CHECK(f.events.events[1].reason == "LeaseGranted");
    CHECK(f.lag_samples() == 1);
    CHECK(result.kind == ReconcileResult::Kind::RequeueAfter);
}

TEST_CASE("a lease that vanished under a write just leaves", "[lease_reconciler]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    f.leases.apply(ptr(lease_json("a", f.t0 - 2min, "10")));
    f.client.push_response(404, R"({"kind":"Status","code":404,"reason":"NotFound"})");
    const ReconcileResult result = f.run();
    CHECK(result.kind == ReconcileResult::Kind::RequeueAfter);
    CHECK(f.events.events.empty());
}

TEST_CASE("finished leases past retention are deleted with uid and resourceVersion preconditions",
          "[lease_reconciler]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    const Json done = {{"phase", "Released"},
                       {"queuePosition", 0},
                       {"observedGeneration", 1},
                       {"releasedAt", kube::format_rfc3339(f.t0 - 25h)},
                       {"conditions", Json::array()}};
    f.leases.apply(ptr(lease_json("old", f.t0 - 30h, "5", done)));
    f.client.on_request = [&](const kube::HttpRequest&) {
        // First the name goes into the record (AlreadyServed), read and then created.
        REQUIRE(f.records.requests.size() == 2);
        CHECK(f.records.requests[1].method == kube::Method::Post);
        CHECK(f.records.requests[1].target == "/api/v1/namespaces/default/configmaps");
    };
    f.client.push_response(200, "{}");  // the delete

    const ReconcileResult result = f.run();

    REQUIRE(f.client.requests.size() == 1);
    const Json record = f.records.objects.at("default/labfleet-served-leases-stg");
    CHECK(record["data"]["old"] == kube::format_rfc3339(std::chrono::floor<std::chrono::seconds>(f.t0)));
    const auto& request = f.client.requests[0];
    CHECK(request.method == kube::Method::Delete);
    CHECK(request.target.find("/environmentleases/old") != std::string::npos);
    const Json options = Json::parse(request.body);
    CHECK(options["preconditions"]["uid"] == "uid-old");
    CHECK(options["preconditions"]["resourceVersion"] == "5");
    CHECK(result.kind == ReconcileResult::Kind::RequeueAfter);
}

TEST_CASE("a missing target leaves its leases Pending, no leases, no requeue", "[lease_reconciler]") {
    Fixture f;
    f.leases.apply(ptr(lease_json("a", f.t0 - 2min, "10")));
    f.accept_writes(1);
    f.run();
    REQUIRE(f.client.requests.size() == 1);
    const Json status = body_of(f.client.requests[0])["status"];
    CHECK(status["phase"] == "Pending");
    bool target_not_found = false;
    for (const auto& condition : status["conditions"])
        target_not_found |= condition["type"] == "TargetNotFound" && condition["status"] == "True";
    CHECK(target_not_found);

    CHECK(f.run("other").kind == ReconcileResult::Kind::Done);
}

TEST_CASE("overrides are checked against the target's assignments", "[lease_reconciler]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    f.workloads.apply(ptr({{"metadata", {{"name", "git-basics"}, {"labels", {{"catalog", "public"}}}}},
                           {"spec",
                            {{"images",
                              {{"workshop", {{"repository", "labs/git-basics"}}},
                               {"files", {{"repository", "labs/git-basics-files"}}}}}}}}));
    f.policies.apply(ptr({{"metadata", {{"name", "public"}}},
                          {"spec",
                           {{"workloadSelector", {{"matchLabels", {{"catalog", "public"}}}}},
                            {"targetSelector", {{"matchLabels", {{"env", "stg"}}}}}}}}));
    const Json overrides = Json::array({{{"workload", "git-basics"}, {"workshop", {{"tag", "pr-1"}}}},
                                        {{"workload", "ghost"}, {"files", {{"tag", "pr-1"}}}}});
    f.leases.apply(ptr(lease_json("a", f.t0 - 2min, "10", nullptr, overrides)));
    f.accept_writes(1);
    f.run();
    REQUIRE(f.client.requests.size() == 1);
    const Json body = body_of(f.client.requests[0]);
    std::string message;
    for (const auto& condition : body["status"]["conditions"])
        if (condition["type"] == "OverridesValid") message = condition["message"].get<std::string>();
    CHECK(message.find("ghost") != std::string::npos);
    CHECK(message.find("git-basics") == std::string::npos);
}

TEST_CASE("a target is not planned again before the cache shows its last grant: no double grant",
          "[lease_reconciler][expectations]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    // Two leases created in the same second; the cache shows "b" first.
    f.leases.apply(ptr(lease_json("b", f.t0 - 1s, "10")));
    f.client.push_response(200, R"({"metadata":{"resourceVersion":"12"}})");
    f.run();
    REQUIRE(f.client.requests.size() == 1);
    const Json granted = body_of(f.client.requests[0]);
    REQUIRE(granted["status"]["phase"] == "Active");
    f.client.requests.clear();

    // The watch delivers a's creation (rv 11) before b's grant (rv 12). Planned
    // now, "a" (first of the second by name) would be granted too, with a
    // precondition that holds.
    f.leases.apply(ptr(lease_json("a", f.t0 - 1s, "11")));
    const ReconcileResult waiting = f.run();
    CHECK(f.client.requests.empty());
    CHECK(waiting.kind == ReconcileResult::Kind::RequeueAfter);
    CHECK(waiting.after == 30s);

    SECTION("once the cache shows the grant, the other lease queues behind it") {
        Json b = granted;
        b["metadata"]["resourceVersion"] = "12";
        f.leases.apply(ptr(b));
        f.accept_writes(1);
        f.run();
        REQUIRE(f.client.requests.size() == 1);
        CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/environmentleases/a/status");
        const Json a = body_of(f.client.requests[0]);
        CHECK(a["status"]["phase"] == "Pending");
        CHECK(a["status"]["queuePosition"] == 1);
    }

    SECTION("a cache that never shows it: past the timeout the lease is read live and the plan uses that") {
        f.clock.advance(29s);
        CHECK(f.run().after == 1s);
        CHECK(f.client.requests.empty());
        f.clock.advance(1s);
        Json b = granted;
        b["metadata"]["resourceVersion"] = "12";
        f.client.push_response(200, b.dump());
        f.accept_writes(1);
        f.run();
        REQUIRE(f.client.requests.size() == 2);
        CHECK(f.client.requests[0].method == kube::Method::Get);
        CHECK(f.client.requests[0].target == "/apis/labfleet.dev/v1alpha1/environmentleases/b");
        CHECK(f.client.requests[1].target == "/apis/labfleet.dev/v1alpha1/environmentleases/a/status");
        CHECK(body_of(f.client.requests[1])["status"]["phase"] == "Pending");
    }
}

TEST_CASE("a kill between a grant and its Event: the next process records it, once, under the same name",
          "[lease_reconciler][events]") {
    Fixture first;
    first.targets.apply(ptr(target_json()));
    first.leases.apply(ptr(lease_json("a", first.t0 - 2min, "10")));
    first.client.push_response(200, R"({"metadata":{"resourceVersion":"12"}})");
    first.run();
    REQUIRE(first.events.events.size() == 1);
    const std::string name = first.events.events[0].name;
    CHECK(name.rfind("a.leasegranted.", 0) == 0);

    // The process died before the Event reached the API server; the next
    // one starts from a cache that shows the grant.
    Fixture next;
    next.clock.advance(3s);
    next.targets.apply(ptr(target_json()));
    Json a = body_of(first.client.requests[0]);
    a["metadata"]["resourceVersion"] = "12";
    next.leases.apply(ptr(a));
    next.run();
    REQUIRE(next.events.events.size() == 1);
    CHECK(next.events.events[0].reason == "LeaseGranted");
    CHECK(next.events.events[0].name == name);
    CHECK(next.client.requests.empty());

    // Every later reconcile re-sends it under that name: nothing new.
    next.run();
    CHECK(next.events.once_calls == 2);
    CHECK(next.events.events.size() == 1);
}

namespace {

/// git-basics, assigned to stg by the policy `public`.
void assign_git_basics(Fixture& f) {
    f.workloads.apply(ptr({{"metadata", {{"name", "git-basics"}, {"labels", {{"catalog", "public"}}}}},
                           {"spec",
                            {{"images",
                              {{"workshop", {{"repository", "labs/git-basics"}}},
                               {"files", {{"repository", "labs/git-basics-files"}}}}}}}}));
    f.policies.apply(ptr({{"metadata", {{"name", "public"}}},
                          {"spec",
                           {{"workloadSelector", {{"matchLabels", {{"catalog", "public"}}}}},
                            {"targetSelector", {{"matchLabels", {{"env", "stg"}}}}}}}}));
}

/// git-basics's children on stg as the workload controller renders them for `lease`.
DesiredObjects git_basics_desired(Fixture& f, const Json& lease) {
    const auto w = api::v1alpha1::Workload::from_json(*f.workloads.get({"", "git-basics"})).value();
    const auto t = api::v1alpha1::DeploymentTarget::from_json(*f.targets.get({"", "stg"})).value();
    const auto l = api::v1alpha1::EnvironmentLease::from_json(lease).value();
    return build_desired_objects(w, t, resolve_images(w, t, &l));
}

/// The files Deployment of git-basics on stg running `image` with pods of
/// `config_hash`, `available` of its one replica available.
Json files_deployment(const std::string& image, int available, const std::string& rv,
                      const std::string& config_hash = "") {
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata",
             {{"name", "git-basics-files"},
              {"namespace", "labs-stg"},
              {"generation", 2},
              {"resourceVersion", rv},
              {"labels", {{"labfleet.dev/workload", "git-basics"}, {"labfleet.dev/target", "stg"}}}}},
            {"spec",
             {{"replicas", 1},
              {"template",
               {{"metadata", {{"annotations", {{config_hash_annotation, config_hash}}}}},
                {"spec", {{"containers", Json::array({{{"name", "files"}, {"image", image}}})}}}}}}},
            {"status",
             {{"observedGeneration", 2}, {"replicas", 1}, {"updatedReplicas", 1}, {"availableReplicas", available}}}};
}

Json condition_in(const Json& body, const std::string& type) {
    for (const auto& condition : body["status"]["conditions"])
        if (condition["type"] == type) return condition;
    return nullptr;
}

} // namespace

TEST_CASE("Serving turns True once the target's Deployments run the lease's images, available",
          "[lease_reconciler][serving]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    assign_git_basics(f);
    const Json overrides = Json::array({{{"workload", "git-basics"}, {"files", {{"tag", "pr-1"}}}}});
    f.leases.apply(ptr(lease_json("a", f.t0 - 2min, "10", nullptr, overrides)));
    const DesiredObjects desired = git_basics_desired(f, lease_json("a", f.t0 - 2min, "10", nullptr, overrides));
    f.config_maps.apply(ptr(desired.config_map));
    f.deployments.apply(ptr(files_deployment("labs/git-basics-files:prod", 1, "30")));
    f.client.push_response(200, R"({"metadata":{"resourceVersion":"12"}})");
    f.run();

    REQUIRE(f.client.requests.size() == 1);
    Json written = body_of(f.client.requests[0]);
    CHECK(written["status"]["phase"] == "Active");
    CHECK(condition_in(written, "Serving")["status"] == "False");
    CHECK(condition_in(written, "Serving")["message"] ==
          "Still rolling out: git-basics-files: runs labs/git-basics-files:prod, not labs/git-basics-files:pr-1");
    written["metadata"]["resourceVersion"] = "12";
    f.leases.apply(ptr(written));

    // Rolled out, not yet available: still False, saying so.
    f.deployments.apply(ptr(files_deployment("labs/git-basics-files:pr-1", 0, "31", desired.config_hash)));
    f.client.requests.clear();
    f.client.push_response(200, R"({"metadata":{"resourceVersion":"13"}})");
    f.run();
    REQUIRE(f.client.requests.size() == 1);
    written = body_of(f.client.requests[0]);
    CHECK(condition_in(written, "Serving")["message"] ==
          "Still rolling out: git-basics-files: 0 of 1 updated replicas available");
    written["metadata"]["resourceVersion"] = "13";
    f.leases.apply(ptr(written));

    f.deployments.apply(ptr(files_deployment("labs/git-basics-files:pr-1", 1, "32", desired.config_hash)));
    f.client.requests.clear();
    f.client.push_response(200, "{}");
    f.run();
    REQUIRE(f.client.requests.size() == 1);
    written = body_of(f.client.requests[0]);
    CHECK(condition_in(written, "Serving")["status"] == "True");
    CHECK(condition_in(written, "Serving")["reason"] == "Serving");
}

TEST_CASE("deleting an Active lease releases it: LeaseReleased once, and the next lease granted",
          "[lease_reconciler][departure]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    const Json active_status = {{"phase", "Active"},
                                {"queuePosition", 0},
                                {"acquiredAt", kube::format_rfc3339(f.t0 - 10min)},
                                {"expiresAt", kube::format_rfc3339(f.t0 + 50min)}};
    const Json a = lease_json("a", f.t0 - 2h, "10", active_status);
    f.leases.apply(ptr(a));
    f.leases.apply(ptr(lease_json("b", f.t0 - 1h, "11", {{"phase", "Pending"}, {"queuePosition", 1}})));

    // The cache's delete notification, as the manager wires it.
    f.leases.remove(ptr(a));
    f.reconciler.lease_deleted(a);
    f.accept_writes(1);
    f.run();

    REQUIRE(f.client.requests.size() == 1);
    CHECK(body_of(f.client.requests[0])["metadata"]["name"] == "b");
    CHECK(body_of(f.client.requests[0])["status"]["phase"] == "Active");
    REQUIRE(f.events.events.size() == 2);
    CHECK(f.events.events[0].regarding == "a");
    CHECK(f.events.events[0].reason == "LeaseReleased");
    CHECK(f.events.events[0].note == "Deleted while active; target stg is free");
    CHECK(f.events.events[0].action == "Release");
    CHECK(f.events.events[1].reason == "LeaseGranted");
}

TEST_CASE("a finished lease is not deleted while its name cannot be recorded", "[lease_reconciler][served_leases]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    const Json done = {{"phase", "Expired"},
                       {"queuePosition", 0},
                       {"observedGeneration", 1},
                       {"releasedAt", kube::format_rfc3339(f.t0 - 25h)},
                       {"conditions", Json::array()}};
    f.leases.apply(ptr(lease_json("old", f.t0 - 30h, "5", done)));
    const auto refused = [](int code, const char* reason) {
        return kube::api_error_from_response(
            code, Json{{"kind", "Status"}, {"code", code}, {"reason", reason}}.dump());
    };

    SECTION("the record cannot be read") {
        f.records.fail_next = {kube::Method::Get, refused(403, "Forbidden")};
        CHECK(f.run().kind == ReconcileResult::Kind::Error);
        CHECK(f.client.requests.empty());  // no delete
    }
    SECTION("the record cannot be created") {
        f.records.fail_next = {kube::Method::Post, refused(500, "InternalError")};
        CHECK(f.run().kind == ReconcileResult::Kind::Error);
        CHECK(f.client.requests.empty());  // no delete
        CHECK(f.records.objects.empty());
    }
    SECTION("the record changed between its read and its write: read again, then delete") {
        Json existing = served_leases_config_map("stg", "default", {{"pr-0", f.t0 - 1h}});
        existing["metadata"]["resourceVersion"] = "40";
        f.records.objects["default/labfleet-served-leases-stg"] = existing;
        f.records.fail_next = {kube::Method::Patch, refused(409, "Conflict")};
        CHECK(f.run().kind == ReconcileResult::Kind::Requeue);
        CHECK(f.client.requests.empty());

        f.client.push_response(200, "{}");  // the delete
        f.run();
        REQUIRE(f.client.requests.size() == 1);
        CHECK(f.client.requests[0].method == kube::Method::Delete);
        const Json data = f.records.objects.at("default/labfleet-served-leases-stg")["data"];
        CHECK(data.contains("pr-0"));
        CHECK(data.contains("old"));
    }
}

TEST_CASE("a name an earlier version recorded in the target's status is still honoured",
          "[lease_reconciler][already_served]") {
    Fixture f;
    Json target = target_json();
    target["status"]["servedLeases"] = {{{"name", "pr-1"}, {"deletedAt", kube::format_rfc3339(f.t0 - 1min)}}};
    f.targets.apply(ptr(target));
    f.leases.apply(ptr(lease_json("pr-1", f.t0 - 10s, "12")));
    f.accept_writes(1);
    f.run();
    REQUIRE(f.client.requests.size() == 1);
    const Json status = body_of(f.client.requests[0])["status"];
    CHECK(status["phase"] == "Expired");
    CHECK_FALSE(status.contains("acquiredAt"));
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].reason == "AlreadyServed");
    CHECK(f.events.events[0].type == kube::EventType::Warning);
}

namespace {

/// A lease of target stg that expired 25 hours ago: past a day's retention.
Json expired_long_ago(Fixture& f, const std::string& name, const std::string& rv) {
    const Json done = {{"phase", "Expired"},
                       {"queuePosition", 0},
                       {"observedGeneration", 1},
                       {"acquiredAt", kube::format_rfc3339(f.t0 - 26h)},
                       {"expiresAt", kube::format_rfc3339(f.t0 - 25h)},
                       {"releasedAt", kube::format_rfc3339(f.t0 - 25h)},
                       {"conditions", Json::array()}};
    return lease_json(name, f.t0 - 27h, rv, done);
}

/// Retention deletes `lease` (the delete answered and the watch's delete applied).
void retention_deletes(Fixture& f, const Json& lease) {
    f.client.push_response(200, "{}");
    f.run();
    REQUIRE(!f.client.requests.empty());
    REQUIRE(f.client.requests.back().method == kube::Method::Delete);
    f.leases.remove(ptr(lease));
    f.client.requests.clear();
}

/// The GitOps tool restores `name` from git: a new object, never planned. Returns the status written.
Json restore_and_plan(Fixture& f, const std::string& name) {
    Json restored = lease_json(name, f.t0 + 1min, "50");
    restored["metadata"]["uid"] = "uid-restored";
    f.leases.apply(ptr(restored));
    f.clock.advance(2min);
    f.accept_writes(1);
    f.run();
    REQUIRE(f.client.requests.size() == 1);
    return body_of(f.client.requests[0])["status"];
}

} // namespace

TEST_CASE("the served-leases record outlives its target: restored after the target is re-created, not granted again",
          "[lease_reconciler][served_leases]") {
    Fixture f;
    f.targets.apply(ptr(target_json()));
    const Json old = expired_long_ago(f, "pr-1", "5");
    f.leases.apply(ptr(old));
    retention_deletes(f, old);

    // The target is deleted and created again (a new object; no status of the old one).
    f.targets.remove(ptr(target_json()));
    Json recreated = target_json();
    recreated["metadata"]["uid"] = "uid-stg-2";
    recreated["metadata"]["resourceVersion"] = "70";
    f.targets.apply(ptr(recreated));

    const Json status = restore_and_plan(f, "pr-1");
    CHECK(status["phase"] == "Expired");
    CHECK_FALSE(status.contains("acquiredAt"));
    REQUIRE(f.events.events.size() == 1);
    CHECK(f.events.events[0].reason == "AlreadyServed");
}

TEST_CASE("retention deletes a finished lease of a missing target, once its name is recorded",
          "[lease_reconciler][served_leases]") {
    Fixture f;
    const Json old = expired_long_ago(f, "pr-2", "5");
    f.leases.apply(ptr(old));
    retention_deletes(f, old);
    CHECK(f.records.objects.at("default/labfleet-served-leases-stg")["data"].contains("pr-2"));

    // Its target comes (back) and the GitOps tool restores the lease.
    f.targets.apply(ptr(target_json()));
    CHECK(restore_and_plan(f, "pr-2")["phase"] == "Expired");
}

TEST_CASE("a record written but not yet seen by any watch still finishes the restored lease",
          "[lease_reconciler][served_leases]") {
    // The caches never show the record's write (the target's watch lags, or
    // never sees it at all): the restored lease is recognised all the same.
    Fixture f;
    f.targets.apply(ptr(target_json()));
    const Json old = expired_long_ago(f, "pr-3", "5");
    f.leases.apply(ptr(old));
    retention_deletes(f, old);
    CHECK(f.targets.get({"", "stg"})->at("metadata").at("resourceVersion") == "7");  // the cache as before

    const Json status = restore_and_plan(f, "pr-3");
    CHECK(status["phase"] == "Expired");
    CHECK(f.events.events.at(0).reason == "AlreadyServed");

    SECTION("a name past the memory is granted again") {
        Fixture later;
        later.targets.apply(ptr(target_json()));
        later.records.objects = f.records.objects;
        later.clock.advance(25h);
        CHECK(restore_and_plan(later, "pr-3")["phase"] == "Active");
    }
}
