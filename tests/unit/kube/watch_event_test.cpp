#include <catch2/catch.hpp>

#include "kube/cache/list_page.hpp"
#include "kube/cache/object_trim.hpp"
#include "kube/cache/watch_event.hpp"

using namespace labfleet::kube;

TEST_CASE("parse_watch_event decodes the four event types") {
    const ObjectTrim trim;
    for (auto [text, type] : {std::pair{"ADDED", WatchEventType::Added}, {"MODIFIED", WatchEventType::Modified},
                              {"DELETED", WatchEventType::Deleted}}) {
        auto event = parse_watch_event(std::string(R"({"type":")") + text +
                                           R"(","object":{"kind":"ConfigMap","metadata":{"name":"a","namespace":"n","resourceVersion":"7"}}})",
                                       trim);
        REQUIRE(event.ok());
        CHECK(event->type == type);
        CHECK(event->resource_version == "7");
        CHECK((*event->object)["metadata"]["name"] == "a");
    }
    auto bookmark =
        parse_watch_event(R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"12"}}})", trim);
    REQUIRE(bookmark.ok());
    CHECK(bookmark->type == WatchEventType::Bookmark);
    CHECK(bookmark->resource_version == "12");
    CHECK_FALSE(bookmark->initial_events_end);
}

TEST_CASE("a bookmark annotated k8s.io/initial-events-end ends a streaming list's initial events") {
    const ObjectTrim trim;
    auto end = parse_watch_event(
        R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"true"}}}})",
        trim);
    REQUIRE(end.ok());
    CHECK(end->initial_events_end);
    CHECK(end->resource_version == "12");
    auto other = parse_watch_event(
        R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"false"}}}})",
        trim);
    REQUIRE(other.ok());
    CHECK_FALSE(other->initial_events_end);
    auto added = parse_watch_event(
        R"({"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"true"}}}})",
        trim);
    REQUIRE(added.ok());
    CHECK_FALSE(added->initial_events_end);  // only a bookmark ends them
}

TEST_CASE("an ERROR event is the ApiError of its Status, code 410 is Gone") {
    auto event = parse_watch_event(
        R"J({"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}})J",
        ObjectTrim{});
    REQUIRE_FALSE(event.ok());
    CHECK(event.error().reason == ErrorReason::Gone);
    CHECK(event.error().http_status == 410);
    CHECK(event.error().message == "too old resource version: 1 (5)");

    auto server = parse_watch_event(R"({"type":"ERROR","object":{"kind":"Status","code":500,"message":"boom"}})",
                                    ObjectTrim{});
    REQUIRE_FALSE(server.ok());
    CHECK(server.error().reason == ErrorReason::ServerError);
}

TEST_CASE("malformed watch lines are Decode errors, never exceptions") {
    for (const char* line : {"", "not json", "[]", R"({"type":"ADDED"})", R"({"type":"ADDED","object":3})",
                             R"({"type":"WHAT","object":{"metadata":{"name":"a","resourceVersion":"1"}}})",
                             R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"1"}}})",
                             R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})",
                             R"({"type":7,"object":{}})", R"({"type":"ADDED","object":{"metadata":"x"}})"}) {
        INFO(line);
        auto event = parse_watch_event(line, ObjectTrim{});
        REQUIRE_FALSE(event.ok());
        CHECK(event.error().reason == ErrorReason::Decode);
    }
}

TEST_CASE("managedFields and caller-given pointers are trimmed before caching") {
    const ObjectTrim trim({last_applied_pointer, "/status/big", "/spec/list/0"});
    auto event = parse_watch_event(R"({"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"3",
        "managedFields":[{"manager":"kubectl"}],
        "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{...}","keep":"me"}},
        "spec":{"list":[1,2]},"status":{"big":"x","small":"y"}}})",
                                   trim);
    REQUIRE(event.ok());
    const Json& object = *event->object;
    CHECK_FALSE(object["metadata"].contains("managedFields"));
    CHECK(object["metadata"]["annotations"] == Json{{"keep", "me"}});
    CHECK(object["status"] == Json{{"small", "y"}});
    CHECK(object["spec"]["list"] == Json::array({2}));
    // Absent pointers are fine.
    auto bare = parse_watch_event(R"({"type":"ADDED","object":{"metadata":{"name":"b","resourceVersion":"4"}}})", trim);
    REQUIRE(bare.ok());
    CHECK(*bare->object == Json{{"metadata", {{"name", "b"}, {"resourceVersion", "4"}}}});
}

TEST_CASE("parse_list_page reads items, resourceVersion and continue, and fills kind") {
    const auto type = resources::config_maps();
    auto page = parse_list_page(R"({"kind":"ConfigMapList","apiVersion":"v1",
        "metadata":{"resourceVersion":"100","continue":"tok"},
        "items":[{"metadata":{"name":"a","namespace":"n","resourceVersion":"90","managedFields":[]}}]})",
                                type, ObjectTrim{});
    REQUIRE(page.ok());
    CHECK(page->resource_version == "100");
    CHECK(page->continue_token == "tok");
    REQUIRE(page->items.size() == 1);
    CHECK((*page->items[0])["kind"] == "ConfigMap");
    CHECK((*page->items[0])["apiVersion"] == "v1");
    CHECK_FALSE((*page->items[0])["metadata"].contains("managedFields"));

    auto last = parse_list_page(R"({"metadata":{"resourceVersion":"5"},"items":null})", type, ObjectTrim{});
    REQUIRE(last.ok());
    CHECK(last->items.empty());
    CHECK(last->continue_token.empty());

    for (const char* body : {"", "{", R"({"items":[]})", R"({"metadata":{"resourceVersion":""},"items":[]})",
                             R"({"metadata":{"resourceVersion":"1"},"items":{}})",
                             R"({"metadata":{"resourceVersion":"1"},"items":[1]})",
                             R"({"metadata":{"resourceVersion":"1","continue":5},"items":[]})",
                             R"({"metadata":{"resourceVersion":"1"},"items":[{"metadata":{}}]})"}) {
        INFO(body);
        auto bad = parse_list_page(body, type, ObjectTrim{});
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().reason == ErrorReason::Decode);
    }
}
