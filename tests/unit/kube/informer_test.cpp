#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kube/cache/informer.hpp"
#include "unit/kube/fake_client.hpp"

using namespace labfleet::kube;
using labfleet::kube::testing::FakeClient;
using labfleet::kube::testing::ScriptedStream;
using labfleet::kube::testing::StreamEnd;
using namespace std::chrono_literals;

namespace {

std::string item(const std::string& name, const std::string& rv) {
    return Json{{"metadata", {{"name", name}, {"namespace", "labs"}, {"resourceVersion", rv},
                              {"managedFields", Json::array({{{"manager", "x"}}})}}}}
        .dump();
}

std::string list_body(const std::vector<std::string>& items, const std::string& rv, const std::string& token = "") {
    Json list = {{"kind", "ConfigMapList"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", rv}}}};
    if (!token.empty()) list["metadata"]["continue"] = token;
    list["items"] = Json::array();
    for (const auto& text : items) list["items"].push_back(Json::parse(text));
    return list.dump();
}

std::string event(const std::string& type, const std::string& name, const std::string& rv) {
    Json object = Json::parse(item(name, rv));
    object["kind"] = "ConfigMap";
    object["apiVersion"] = "v1";
    return Json{{"type", type}, {"object", object}}.dump();
}

std::string bookmark(const std::string& rv) {
    return Json{{"type", "BOOKMARK"}, {"object", {{"kind", "ConfigMap"}, {"metadata", {{"resourceVersion", rv}}}}}}.dump();
}

const std::string gone_event =
    R"J({"type":"ERROR","object":{"kind":"Status","status":"Failure","reason":"Expired","code":410,"message":"too old resource version: 110 (125)"}})J";

WatchLoopOptions fast_options() {
    WatchLoopOptions options;
    options.ns = "labs";
    options.label_selector = "app.kubernetes.io/managed-by=labfleet";
    options.idle_timeout = 20ms;
    options.backoff.initial = 1ms;
    options.backoff.max = 4ms;
    return options;
}

struct Recorder {
    std::vector<std::string> seen;
    StoreHandlers handlers() {
        auto name = [](const ObjectPtr& o) { return (*o)["metadata"]["name"].get<std::string>(); };
        return {[this, name](const ObjectPtr& o) { seen.push_back("add " + name(o)); },
                [this, name](const ObjectPtr&, const ObjectPtr& b) { seen.push_back("update " + name(b)); },
                [this, name](const ObjectPtr& o) { seen.push_back("delete " + name(o)); }};
    }
};

std::vector<std::string> targets(const FakeClient& client) {
    std::vector<std::string> result;
    for (const auto& request : client.requests) result.push_back(request.target);
    return result;
}

} // namespace

TEST_CASE("an informer lists in pages, watches, resumes, relists after 410 and notices a silent stream") {
    FakeClient client;
    client.push_response(200, list_body({item("a", "90"), item("b", "91")}, "100", "c1"));
    client.push_response(200, list_body({item("c", "95")}, "100"));
    client.push_stream({std::nullopt,
                        {event("ADDED", "d", "101"), event("MODIFIED", "a", "102"), "", bookmark("110")},
                        StreamEnd::Clean,
                        {}});
    client.push_stream({std::nullopt, {event("DELETED", "b", "111"), gone_event}, StreamEnd::Clean, {}});
    // The relist: d was deleted while we were away, c changed, e is new, a is unchanged.
    client.push_response(200, list_body({item("a", "102"), item("c", "120"), item("e", "121")}, "130"));
    client.push_stream({std::nullopt, {}, StreamEnd::Silent, {}});  // dies silently: idle timeout

    asio::io_context io;
    FakeClock clock;
    Informer informer(client, clock, resources::config_maps(), fast_options());
    Recorder recorder;
    informer.store().add_handlers(recorder.handlers());
    bool alive_at_end = false;
    client.on_exhausted = [&] {
        alive_at_end = informer.alive();
        informer.stop();
    };
    informer.start(io.get_executor());
    CHECK(informer.running());
    io.run_for(5s);

    CHECK_FALSE(informer.running());
    CHECK_FALSE(informer.alive());
    CHECK(alive_at_end);
    CHECK(informer.synced());
    const std::string base = "/api/v1/namespaces/labs/configmaps?";
    const std::string selector = "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dlabfleet";
    const std::string watch = base + "watch=1&" + selector;
    CHECK(targets(client) ==
          std::vector<std::string>{
              base + selector + "&limit=500&resourceVersion=0",
              base + selector + "&limit=500&continue=c1",
              watch + "&resourceVersion=100&timeoutSeconds=290&allowWatchBookmarks=true",
              watch + "&resourceVersion=110&timeoutSeconds=290&allowWatchBookmarks=true",
              base + selector + "&limit=500",
              watch + "&resourceVersion=130&timeoutSeconds=290&allowWatchBookmarks=true",
              watch + "&resourceVersion=130&timeoutSeconds=290&allowWatchBookmarks=true",
          });
    CHECK(client.idle_timeouts.front() == 20ms);

    const Store& store = informer.store();
    CHECK(store.size() == 3);
    CHECK(store.resource_version() == "130");
    REQUIRE(store.get({"labs", "c"}));
    CHECK(resource_version_of(*store.get({"labs", "c"})) == "120");
    CHECK_FALSE(store.get({"labs", "d"}));
    REQUIRE(store.get({"labs", "a"}));
    CHECK_FALSE((*store.get({"labs", "a"}))["metadata"].contains("managedFields"));
    REQUIRE(store.get({"labs", "e"}));
    CHECK((*store.get({"labs", "e"}))["kind"] == "ConfigMap");
    CHECK(recorder.seen == std::vector<std::string>{"add a", "add b", "add c", "add d", "update a", "delete b",
                                                    "delete d", "update c", "add e"});
    REQUIRE(informer.status().last_error);
    CHECK(informer.status().last_error->reason == ErrorReason::Transport);  // the exhausted script
}

TEST_CASE("an HTTP 410 on opening the watch and failed lists back off, then relist") {
    FakeClient client;
    client.push_error(transport_error("connect", "refused"));
    client.push_response(200, list_body({item("a", "1")}, "10"));
    client.push_stream({api_error_from_response(410, R"({"kind":"Status","code":410,"reason":"Expired"})"), {}, {}, {}});
    client.push_response(500, R"({"kind":"Status","code":500,"message":"etcd"})");
    client.push_response(200, list_body({}, "20"));

    asio::io_context io;
    FakeClock clock;
    Informer informer(client, clock, resources::config_maps(), fast_options());
    Recorder recorder;
    informer.store().add_handlers(recorder.handlers());
    client.on_exhausted = [&] { informer.stop(); };
    informer.start(io.get_executor());
    io.run_for(5s);

    const std::string base = "/api/v1/namespaces/labs/configmaps?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dlabfleet";
    auto seen = targets(client);
    REQUIRE(seen.size() == 6);
    CHECK(seen[0] == base + "&limit=500&resourceVersion=0");
    CHECK(seen[1] == base + "&limit=500&resourceVersion=0");  // retried the same list
    CHECK(seen[3] == base + "&limit=500");                    // relist after 410: consistent read
    CHECK(seen[4] == base + "&limit=500");                    // retried after the 500
    CHECK(seen[5].find("resourceVersion=20") != std::string::npos);
    CHECK(recorder.seen == std::vector<std::string>{"add a", "delete a"});
    CHECK(informer.store().size() == 0);
    CHECK_FALSE(informer.running());
}

TEST_CASE("a streaming informer syncs at the end bookmark, a server that refuses it gets paged lists") {
    const std::string end_bookmark =
        Json{{"type", "BOOKMARK"},
             {"object", {{"kind", "ConfigMap"},
                         {"metadata", {{"resourceVersion", "100"}, {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}}}}
            .dump();
    FakeClient client;
    // The stream's initial events, then a live one; the server then ends it.
    client.push_stream({std::nullopt,
                        {event("ADDED", "a", "90"), event("ADDED", "b", "91"), bookmark("95"), end_bookmark,
                         event("MODIFIED", "a", "101")},
                        StreamEnd::Clean,
                        {}});
    client.push_stream({std::nullopt, {gone_event}, StreamEnd::Clean, {}});
    // The relist after the 410: this server now refuses streaming lists.
    client.push_stream({api_error_from_response(422, R"({"kind":"Status","code":422,"reason":"Invalid"})"), {}, {}, {}});
    client.push_response(200, list_body({item("a", "101"), item("c", "110")}, "120"));

    asio::io_context io;
    FakeClock clock;
    WatchLoopOptions options = fast_options();
    options.streaming_list = true;
    Informer informer(client, clock, resources::config_maps(), options);
    Recorder recorder;
    informer.store().add_handlers(recorder.handlers());
    bool synced_after_stream = false;
    client.on_exhausted = [&] { informer.stop(); };
    informer.store().add_handlers({[&](const ObjectPtr&) { synced_after_stream = informer.synced(); }, {}, {}});
    informer.start(io.get_executor());
    io.run_for(5s);

    const std::string base = "/api/v1/namespaces/labs/configmaps?";
    const std::string selector = "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dlabfleet";
    const std::string stream_tail =
        "timeoutSeconds=290&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan";
    auto seen = targets(client);
    REQUIRE(seen.size() == 5);
    CHECK(seen[0] == base + "watch=1&" + selector + "&resourceVersion=0&" + stream_tail);
    CHECK(seen[1] == base + "watch=1&" + selector + "&resourceVersion=101&timeoutSeconds=290&allowWatchBookmarks=true");
    CHECK(seen[2] == base + "watch=1&" + selector + "&" + stream_tail);  // the relist streams again, consistent
    CHECK(seen[3] == base + selector + "&limit=500");         // refused: a paged list, at once
    CHECK(seen[4].find("resourceVersion=120") != std::string::npos);
    CHECK(synced_after_stream);  // the adds were heard only once the end bookmark swapped them in
    CHECK(recorder.seen == std::vector<std::string>{"add a", "add b", "update a", "delete b", "add c"});
    CHECK(informer.store().size() == 2);
    CHECK(informer.store().resource_version() == "120");
}

TEST_CASE("stop() interrupts a watch that is waiting for events") {
    FakeClient client;
    client.push_response(200, list_body({item("a", "1")}, "10"));
    client.push_stream({std::nullopt, {}, StreamEnd::Silent, {}});

    asio::io_context io;
    FakeClock clock;
    WatchLoopOptions options = fast_options();
    options.idle_timeout = 60s;
    Informer informer(client, clock, resources::config_maps(), options);
    informer.start(io.get_executor());
    asio::steady_timer stopper(io, 30ms);
    bool watching_before_stop = false;
    stopper.async_wait([&](boost::system::error_code) {
        watching_before_stop = informer.status().watching;
        informer.stop();
    });
    const auto started = std::chrono::steady_clock::now();
    io.run_for(10s);
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    CHECK(watching_before_stop);
    CHECK_FALSE(informer.running());
    CHECK(informer.synced());
}

TEST_CASE("a watch loop is alive only while it keeps stepping") {
    WatchStatus status;
    const MonoTime t0{};
    CHECK_FALSE(status.alive(t0, 1s));
    status.running = true;
    status.last_step = t0;
    CHECK(status.alive(t0 + 1s, 1s));
    CHECK_FALSE(status.alive(t0 + 2s, 1s));
    status.running = false;
    CHECK_FALSE(status.alive(t0, 1s));
    CHECK(alive_window(WatchLoopOptions{}) == 295s + 30s + 30s);
}


TEST_CASE("an informer that cannot sync names the cause for /readyz, and nothing once it syncs") {
    FakeClient client;
    client.push_response(401, R"({"kind":"Status","code":401,"reason":"Unauthorized","message":"Unauthorized"})");
    client.push_response(401, R"({"kind":"Status","code":401,"reason":"Unauthorized","message":"Unauthorized"})");
    client.push_response(200, list_body({item("a", "90")}, "100"));
    client.push_stream({std::nullopt, {}, StreamEnd::Silent, {}});

    asio::io_context io;
    FakeClock clock;
    Informer informer(client, clock, resources::config_maps(), fast_options());
    std::vector<std::optional<std::string>> seen;  // problem() as each request went out
    client.on_request = [&](const HttpRequest&) { seen.push_back(informer.problem()); };
    client.on_exhausted = [&] { informer.stop(); };
    informer.start(io.get_executor());
    io.run_for(5s);

    REQUIRE(seen.size() == 5);
    CHECK(seen[0] == "configmaps not synced");
    CHECK(seen[1] == "configmaps not synced: list failed: Unauthorized (401): Unauthorized");
    CHECK(seen[2] == "configmaps not synced: list failed: Unauthorized (401): Unauthorized");
    CHECK_FALSE(seen[3]);  // listed: synced, alive, no failure going on
    CHECK_FALSE(seen[4]);  // after the silent watch timed out: synced and stepping is ready
}
