// Fault injection at the runtime level: an Informer over a real HttpsClient
// talking to the scripted loopback FakeApiServer, for what a real API server
// will not do on demand — a stream that goes silent, malformed JSON, a 500
// storm. The informer must notice, recover and never crash.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "kube/cache/informer.hpp"
#include "kube/net/https_client.hpp"
#include "support/fake_api_server.hpp"

using namespace labfleet::kube;
using labfleet::testing::FakeApiServer;
using labfleet::testing::FakeReply;
using labfleet::testing::RecordedRequest;
using namespace std::chrono_literals;

namespace {

Json item(const std::string& name, const std::string& rv) {
    return {{"metadata", {{"name", name}, {"namespace", "labs"}, {"resourceVersion", rv}}}, {"data", {{"k", rv}}}};
}

std::string list_body(const std::vector<Json>& items, const std::string& rv) {
    return Json{{"kind", "ConfigMapList"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", rv}}},
                {"items", items}}
        .dump();
}

std::string event_line(const std::string& type, const std::string& name, const std::string& rv) {
    Json object = item(name, rv);
    object["kind"] = "ConfigMap";
    object["apiVersion"] = "v1";
    return Json{{"type", type}, {"object", object}}.dump() + "\n";
}

std::string status_500() {
    return R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"InternalError","message":"etcd down","code":500})";
}

ClusterConfig config_for(const FakeApiServer& server) {
    ClusterConfig config;
    config.server = server.url();
    config.source = "test";
    return config;
}

net::HttpsClientOptions client_options() {
    net::HttpsClientOptions options;
    options.connect_timeout = 1s;
    options.request_timeout = 1s;
    return options;
}

WatchLoopOptions loop_options() {
    WatchLoopOptions options;
    options.ns = "labs";
    options.idle_timeout = 10s;
    options.min_watch_duration = 0ms;
    options.backoff.initial = 5ms;
    options.backoff.max = 20ms;
    options.backoff.jitter = 0.0;
    return options;
}

/// Runs `io` until `done` holds or `limit` passes; true when it held.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        io.run_one_for(10ms);
    }
    return true;
}

/// Stops the informer and lets its loop finish, so nothing outlives the test's objects.
void stop(boost::asio::io_context& io, Informer& informer) {
    informer.stop();
    CHECK(run_until(io, [&] { return !informer.running(); }, 5s));
}

std::vector<std::string> targets(const FakeApiServer& server) {
    std::vector<std::string> result;
    for (const auto& request : server.requests()) result.push_back(request.target);
    return result;
}

bool has(const Store& store, const std::string& name) { return store.get({"labs", name}) != nullptr; }

const std::string list_target = "/api/v1/namespaces/labs/configmaps?limit=500";
const std::string watch_target = "/api/v1/namespaces/labs/configmaps?watch=1&resourceVersion=";
const std::string watch_suffix = "&timeoutSeconds=290&allowWatchBookmarks=true";

} // namespace

TEST_CASE("an informer notices a watch stream gone silent and resumes where it was", "[kube][informer][faults]") {
    boost::asio::io_context io;
    FakeApiServer server(io.get_executor());
    server.push(FakeReply::json(200, list_body({item("a", "5")}, "10")));
    server.push(FakeReply::chunked({event_line("ADDED", "b", "11")}, /*end_stream=*/false));  // then silence
    server.push(FakeReply::chunked({event_line("ADDED", "c", "12")}, /*end_stream=*/false));
    net::HttpsClient client(config_for(server), io.get_executor(), client_options());
    SystemClock clock;
    WatchLoopOptions options = loop_options();
    options.idle_timeout = 300ms;
    Informer informer(client, clock, resources::config_maps(), options);
    informer.start(io.get_executor());

    const auto started = std::chrono::steady_clock::now();
    REQUIRE(run_until(io, [&] { return has(informer.store(), "c"); }, 5s));
    const auto elapsed = std::chrono::steady_clock::now() - started;

    CHECK(elapsed >= 290ms);  // the first stream was given up only after its idle timeout
    CHECK(targets(server) == std::vector<std::string>{list_target + "&resourceVersion=0",
                                                      watch_target + "10" + watch_suffix,
                                                      watch_target + "11" + watch_suffix});
    REQUIRE(informer.status().last_error);
    CHECK(informer.status().last_error->reason == ErrorReason::Timeout);
    CHECK(informer.store().size() == 3);
    CHECK(informer.status().watching);
    CHECK(informer.alive());
    CHECK(server.connections_accepted() >= 2);  // a silent stream's connection is not reused
    stop(io, informer);
}

TEST_CASE("malformed JSON in a list or a watch event is an error, and the informer recovers",
          "[kube][informer][faults]") {
    boost::asio::io_context io;
    FakeApiServer server(io.get_executor());
    server.push(FakeReply::json(200, R"({"kind":"ConfigMapList","items":[{"metadata":)"));       // cut off
    server.push(FakeReply::json(200, R"({"kind":"ConfigMapList","metadata":{},"items":7})"));    // wrong shape
    server.push(FakeReply::json(200, list_body({item("a", "5")}, "10")));
    server.push(FakeReply::chunked({event_line("ADDED", "b", "11"), "{\"type\":\"MODIFIED\",\"object\":{gar\n",
                                    event_line("ADDED", "never", "13")},
                                   /*end_stream=*/false));
    server.push(FakeReply::chunked({event_line("MODIFIED", "a", "12"),
                                    R"({"type":"ADDED","object":{"kind":"ConfigMap","metadata":{}}})" "\n"},
                                   /*end_stream=*/false));
    server.push(FakeReply::chunked({"\x01\xff not json at all\n"}, /*end_stream=*/false));
    server.push(FakeReply::chunked({event_line("ADDED", "c", "14")}, /*end_stream=*/false));
    net::HttpsClient client(config_for(server), io.get_executor(), client_options());
    SystemClock clock;
    Informer informer(client, clock, resources::config_maps(), loop_options());
    std::vector<std::string> seen;
    informer.store().add_handlers({[&](const ObjectPtr& o) { seen.push_back("add " + (*o)["metadata"]["name"].get<std::string>()); },
                                   [&](const ObjectPtr&, const ObjectPtr& o) {
                                       seen.push_back("update " + (*o)["metadata"]["name"].get<std::string>());
                                   },
                                   {}});
    informer.start(io.get_executor());

    REQUIRE(run_until(io, [&] { return has(informer.store(), "c"); }, 5s));

    // Lists are retried until one decodes; each broken event ends its stream and
    // the watch resumes after the last good event, so nothing is skipped.
    CHECK(targets(server) == std::vector<std::string>{list_target + "&resourceVersion=0",
                                                      list_target + "&resourceVersion=0",
                                                      list_target + "&resourceVersion=0",
                                                      watch_target + "10" + watch_suffix,
                                                      watch_target + "11" + watch_suffix,
                                                      watch_target + "12" + watch_suffix,
                                                      watch_target + "12" + watch_suffix});
    CHECK(seen == std::vector<std::string>{"add a", "add b", "update a", "add c"});
    CHECK_FALSE(has(informer.store(), "never"));  // after the broken line: read again from RV 11, not skipped to
    REQUIRE(informer.status().last_error);
    CHECK(informer.status().last_error->reason == ErrorReason::Decode);
    CHECK(informer.synced());
    CHECK(informer.alive());
    stop(io, informer);
}

TEST_CASE("a 500 storm is met with growing, capped backoff and the informer recovers", "[kube][informer][faults]") {
    boost::asio::io_context io;
    FakeApiServer server(io.get_executor());
    std::vector<std::chrono::steady_clock::time_point> list_times;
    int failures_left = 8;
    server.set_handler([&](const RecordedRequest& request) {
        if (request.target.find("watch=1") != std::string::npos)
            return FakeReply::chunked({event_line("ADDED", "b", "21")}, /*end_stream=*/false);
        list_times.push_back(std::chrono::steady_clock::now());
        if (failures_left-- > 0) return FakeReply::json(500, status_500());
        return FakeReply::json(200, list_body({item("a", "5")}, "20"));
    });
    net::HttpsClient client(config_for(server), io.get_executor(), client_options());
    SystemClock clock;
    WatchLoopOptions options = loop_options();
    options.backoff.initial = 20ms;
    options.backoff.max = 80ms;
    Informer informer(client, clock, resources::config_maps(), options);
    std::chrono::milliseconds largest_backoff{0};
    informer.start(io.get_executor());

    REQUIRE(run_until(io, [&] {
        largest_backoff = std::max(largest_backoff, informer.status().current_backoff);
        return has(informer.store(), "b");
    }, 10s));

    REQUIRE(list_times.size() == 9);  // 8 failures, 1 success: no retry without a pause
    const std::vector<std::chrono::milliseconds> delays{20ms, 40ms, 80ms, 80ms, 80ms, 80ms, 80ms, 80ms};
    for (std::size_t i = 0; i < delays.size(); ++i) {
        const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(list_times[i + 1] - list_times[i]);
        INFO("gap " << i << ": " << gap.count() << " ms");
        CHECK(gap >= delays[i] - 2ms);
        CHECK(gap < delays[i] + 500ms);
    }
    CHECK(largest_backoff == 80ms);  // capped at the policy's max
    CHECK(informer.synced());
    CHECK(informer.status().watching);
    CHECK(informer.alive());
    REQUIRE(informer.status().last_error);
    CHECK(informer.status().last_error->reason == ErrorReason::ServerError);
    CHECK(informer.store().size() == 2);
    stop(io, informer);
}
