#include "kube/controller/controller.hpp"

#include <map>
#include <sstream>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

using namespace labfleet::kube;
using namespace std::chrono_literals;

namespace {

/// Answers each key with a scripted result and records the calls; stops the
/// controller once `stop_after` reconciles happened.
class ScriptedReconciler final : public Reconciler {
public:
    std::map<std::string, ReconcileResult> results;
    std::vector<std::string> calls;
    int in_flight = 0;
    int max_in_flight = 0;
    Controller* controller = nullptr;
    std::size_t stop_after = 0;

    asio::awaitable<ReconcileResult> reconcile(std::string key) override {
        calls.push_back(key);
        max_in_flight = std::max(max_in_flight, ++in_flight);
        --in_flight;
        if (calls.size() >= stop_after) controller->stop();
        auto it = results.find(key);
        co_return it == results.end() ? ReconcileResult::done() : it->second;
    }
};

/// Throws from the first `throws` reconciles of "bad" (a bug in a reconciler), then succeeds.
class ThrowingReconciler final : public Reconciler {
public:
    std::vector<std::string> calls;
    int throws = 1;
    Controller* controller = nullptr;
    std::size_t stop_after = 0;

    asio::awaitable<ReconcileResult> reconcile(std::string key) override {
        calls.push_back(key);
        if (calls.size() >= stop_after) controller->stop();
        if (key == "bad" && throws-- > 0) throw std::out_of_range("map::at");
        co_return ReconcileResult::done();
    }
};

/// Swaps the process-wide logger for one writing to `out`, and back.
class CapturedLog {
public:
    explicit CapturedLog(std::ostream& out) : saved_(default_logger()) {
        set_default_logger(Logger("test", LogLevel::Info, LogFormat::Json, &out));
    }
    ~CapturedLog() { set_default_logger(saved_); }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;

private:
    Logger saved_;
};

Json object(const std::string& name) { return {{"metadata", {{"name", name}, {"resourceVersion", "1"}}}}; }

} // namespace

TEST_CASE("controller reconciles each changed key once and counts results") {
    asio::io_context io;
    SystemClock clock;  // the retry's 5 ms backoff runs on real timers
    RuntimeMetrics metrics;
    ScriptedReconciler reconciler;
    Controller controller(io.get_executor(), clock, {"test", 2, {}}, reconciler, &metrics);
    reconciler.controller = &controller;
    reconciler.stop_after = 3;  // a, b, and b's rate-limited retry
    reconciler.results["b"] = ReconcileResult::failed("boom");

    Store store;
    controller.watch_primary(store);
    store.apply(std::make_shared<const Json>(object("a")));
    store.apply(std::make_shared<const Json>(object("b")));
    store.apply(std::make_shared<const Json>(object("a")));  // deduplicated: "a" is still queued

    asio::co_spawn(io, controller.run(), asio::detached);
    io.run_for(2s);

    CHECK(reconciler.calls == std::vector<std::string>{"a", "b", "b"});
    CHECK(controller.queue().retries("b") == 1);
    CHECK(controller.queue().retries("a") == 0);
    const auto text = metrics.serialize();
    CHECK(text.find(R"(controller_runtime_reconcile_total{controller="test",result="success"} 1)") != std::string::npos);
    CHECK(text.find(R"(controller_runtime_reconcile_total{controller="test",result="error"} 2)") != std::string::npos);
    CHECK(text.find(R"(controller_runtime_reconcile_errors_total{controller="test"} 2)") != std::string::npos);
    CHECK(text.find(R"(controller_runtime_max_concurrent_reconciles{controller="test"} 2)") != std::string::npos);
}

TEST_CASE("controller maps secondary objects to primary keys, old and new state") {
    asio::io_context io;
    FakeClock clock;
    ScriptedReconciler reconciler;
    Controller controller(io.get_executor(), clock, {"test", 1, {}}, reconciler);
    Store children;
    controller.watch(children, [](const Json& child) {
        return std::vector<std::string>{child["metadata"]["labels"]["owner"].get<std::string>()};
    });
    Json child = {{"metadata", {{"name", "c"}, {"namespace", "ns"}, {"resourceVersion", "1"}, {"labels", {{"owner", "w1"}}}}}};
    children.apply(std::make_shared<const Json>(child));
    CHECK(controller.queue().try_get() == "w1");
    controller.queue().done("w1");

    child["metadata"]["labels"]["owner"] = "w2";
    child["metadata"]["resourceVersion"] = "2";
    children.apply(std::make_shared<const Json>(child));
    CHECK(controller.queue().try_get() == "w1");
    CHECK(controller.queue().try_get() == "w2");
}

TEST_CASE("controller queues relisted objects behind live changes") {
    asio::io_context io;
    FakeClock clock;
    ScriptedReconciler reconciler;
    Controller controller(io.get_executor(), clock, {"test", 1, {}}, reconciler);
    Store store;
    controller.watch_primary(store);
    store.init_begin();
    store.init_apply({std::make_shared<const Json>(object("listed-1")), std::make_shared<const Json>(object("listed-2"))});
    store.init_done("10");
    store.apply(std::make_shared<const Json>(object("live")));
    CHECK(controller.queue().try_get() == "live");
    CHECK(controller.queue().try_get() == "listed-1");
    CHECK(controller.queue().try_get() == "listed-2");
}

TEST_CASE("controller workers let other work run between reconciles that never suspend") {
    asio::io_context io;
    FakeClock clock;
    ScriptedReconciler reconciler;  // co_returns at once: no write, no suspension
    Controller controller(io.get_executor(), clock, {"test", 2, {}}, reconciler);
    reconciler.controller = &controller;
    reconciler.stop_after = 100;
    Store store;
    controller.watch_primary(store);
    for (int i = 0; i < 100; ++i) store.apply(std::make_shared<const Json>(object("w" + std::to_string(i))));

    std::size_t reconciled_when_probed = 0;
    asio::co_spawn(io, controller.run(), asio::detached);
    asio::post(io, [&] { reconciled_when_probed = reconciler.calls.size(); });  // a probe, a watch event
    io.run_for(1s);

    CHECK(reconciler.calls.size() == 100);
    CHECK(reconciled_when_probed > 0);
    CHECK(reconciled_when_probed < 10);
}

TEST_CASE("controller survives a reconcile that throws: logged with the key, counted, retried with backoff") {
    std::ostringstream log;
    const CapturedLog capture(log);
    asio::io_context io;
    SystemClock clock;  // the retry's 5 ms backoff runs on real timers
    RuntimeMetrics metrics;
    ThrowingReconciler reconciler;
    Controller controller(io.get_executor(), clock, {"test", 2, {}}, reconciler, &metrics);
    reconciler.controller = &controller;
    reconciler.stop_after = 3;  // bad (throws), good, bad's rate-limited retry
    Store store;
    controller.watch_primary(store);
    store.apply(std::make_shared<const Json>(object("bad")));
    store.apply(std::make_shared<const Json>(object("good")));

    asio::co_spawn(io, controller.run(), asio::detached);
    REQUIRE_NOTHROW(io.run_for(2s));

    CHECK(reconciler.calls == std::vector<std::string>{"bad", "good", "bad"});
    CHECK(controller.queue().retries("bad") == 0);  // the retry succeeded and reset the key's backoff
    const auto text = metrics.serialize();
    CHECK(text.find(R"(controller_runtime_reconcile_total{controller="test",result="error"} 1)") != std::string::npos);
    CHECK(text.find(R"(controller_runtime_reconcile_total{controller="test",result="success"} 2)") != std::string::npos);
    CHECK(text.find(R"(controller_runtime_reconcile_errors_total{controller="test"} 1)") != std::string::npos);
    CHECK(text.find(R"(controller_runtime_active_workers{controller="test"} 0)") != std::string::npos);
    const std::string logged = log.str();
    INFO(logged);
    CHECK(logged.find(R"("level":"error")") != std::string::npos);
    CHECK(logged.find(R"("key":"bad")") != std::string::npos);
    CHECK(logged.find("map::at") != std::string::npos);
}

TEST_CASE("controller retries a requeue with backoff but neither warns nor counts it as an error") {
    std::ostringstream log;
    const CapturedLog capture(log);
    asio::io_context io;
    SystemClock clock;  // the retry's 5 ms backoff runs on real timers
    RuntimeMetrics metrics;
    ScriptedReconciler reconciler;
    Controller controller(io.get_executor(), clock, {"test", 1, {}}, reconciler, &metrics);
    reconciler.controller = &controller;
    reconciler.stop_after = 2;  // the conflict and its rate-limited retry
    reconciler.results["w"] = ReconcileResult::requeue("status of w: stale cache");
    Store store;
    controller.watch_primary(store);
    store.apply(std::make_shared<const Json>(object("w")));

    asio::co_spawn(io, controller.run(), asio::detached);
    io.run_for(2s);

    CHECK(reconciler.calls == std::vector<std::string>{"w", "w"});
    const auto text = metrics.serialize();
    CHECK(text.find(R"(controller_runtime_reconcile_total{controller="test",result="requeue"} 2)") != std::string::npos);
    CHECK(text.find(R"(result="error")") == std::string::npos);
    CHECK(text.find(R"(controller_runtime_reconcile_errors_total{controller="test"} 1)") == std::string::npos);
    CHECK(text.find(R"(controller_runtime_reconcile_errors_total{controller="test"} 2)") == std::string::npos);
    INFO(log.str());
    CHECK(log.str().find("stale cache") == std::string::npos);  // debug only: the log is at info
}

TEST_CASE("update filters: more_than_status_changed and content_or_labels_changed") {
    const Json deployment = {{"metadata", {{"name", "d"}, {"resourceVersion", "1"}, {"labels", {{"a", "1"}}}}},
                             {"spec", {{"replicas", 1}}},
                             {"status", {{"replicas", 0}}}};
    Json status_only = deployment;
    status_only["status"]["replicas"] = 1;
    status_only["metadata"]["resourceVersion"] = "2";
    status_only["metadata"]["managedFields"] = Json::array({{{"manager", "kube-controller-manager"}}});
    CHECK_FALSE(more_than_status_changed(deployment, status_only));

    Json annotated = status_only;
    annotated["metadata"]["annotations"] = {{"edited", "by hand"}};
    CHECK(more_than_status_changed(status_only, annotated));
    CHECK(more_than_status_changed(annotated, status_only));  // a member gone counts too
    Json respecced = deployment;
    respecced["spec"]["replicas"] = 2;
    CHECK(more_than_status_changed(deployment, respecced));
    // A ConfigMap has no spec: its data is what changes.
    const Json config_map = {{"metadata", {{"name", "c"}, {"resourceVersion", "1"}}}, {"data", {{"k", "v"}}}};
    Json edited = config_map;
    edited["data"]["k"] = "w";
    CHECK(more_than_status_changed(config_map, edited));
    Json relabelled = deployment;
    relabelled["metadata"]["labels"]["a"] = "2";
    CHECK(more_than_status_changed(deployment, relabelled));

    SECTION("content_or_labels_changed lets metadata other than labels and deletion pass by too") {
        CHECK_FALSE(content_or_labels_changed(deployment, status_only));
        CHECK_FALSE(content_or_labels_changed(status_only, annotated));  // a controller's annotation
        CHECK(content_or_labels_changed(deployment, respecced));
        CHECK(content_or_labels_changed(config_map, edited));
        CHECK(content_or_labels_changed(deployment, relabelled));
        Json deleting = deployment;
        deleting["metadata"]["deletionTimestamp"] = "2026-12-05T00:00:00Z";
        CHECK(content_or_labels_changed(deployment, deleting));
    }
}

TEST_CASE("controller lets creations and status-only updates settle: one reconcile for a burst, behind others") {
    asio::io_context io;
    FakeClock clock;
    ScriptedReconciler reconciler;
    Controller controller(io.get_executor(), clock, {"test", 1, {}}, reconciler);
    Store children;
    controller.watch(
        children, [](const Json& child) { return std::vector<std::string>{child["metadata"]["labels"]["owner"].get<std::string>()}; },
        {}, {.prompt = more_than_status_changed, .adds = true, .delay = 1s});
    Json child = {{"metadata", {{"name", "c"}, {"namespace", "ns"}, {"resourceVersion", "1"}, {"labels", {{"owner", "w"}}}}},
                  {"spec", {{"replicas", 1}}}};
    auto write = [&](const std::function<void(Json&)>& change) {
        change(child);
        child["metadata"]["resourceVersion"] = std::to_string(std::stoi(child["metadata"]["resourceVersion"].get<std::string>()) + 1);
        children.apply(std::make_shared<const Json>(child));
    };
    auto& queue = controller.queue();

    children.apply(std::make_shared<const Json>(child));  // created: settles
    clock.advance(400ms);
    write([](Json& c) { c["status"]["observedGeneration"] = 1; });
    queue.advance();
    CHECK_FALSE(queue.try_get().has_value());
    CHECK(queue.next_deadline() == clock.steady_now() + 600ms);  // from the first of the burst
    clock.advance(600ms);
    write([](Json& c) { c["status"]["availableReplicas"] = 1; });  // joins the burst that is due
    queue.advance();
    controller.enqueue("other");  // queued later, but not settling: goes first
    CHECK(queue.try_get() == "other");
    CHECK(queue.try_get() == "w");
    queue.done("other");
    queue.done("w");
    CHECK_FALSE(queue.try_get().has_value());
    CHECK_FALSE(queue.next_deadline().has_value());  // the three brought one reconcile

    write([](Json& c) { c["spec"]["replicas"] = 2; });  // drift: at once
    CHECK(queue.try_get() == "w");
    queue.done("w");
    children.remove(std::make_shared<const Json>(child));  // deleted: at once
    CHECK(queue.try_get() == "w");
}
