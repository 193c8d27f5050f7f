#include <catch2/catch.hpp>

#include "controllers/render/object_diff.hpp"

using namespace labfleet::controllers;
using labfleet::kube::Json;

namespace {
Json desired_deployment() {
    return Json::parse(R"({
      "apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "intro-files", "namespace": "labs",
                   "labels": {"labfleet.dev/workload": "intro"}},
      "spec": {"replicas": 1,
               "template": {"metadata": {"annotations": {"labfleet.dev/config-hash": "abc"}},
                            "spec": {"containers": [{"name": "files", "image": "r/x:1",
                                                     "ports": [{"containerPort": 8080}]}]}}}})");
}

/// What the API server hands back: our fields plus its own.
Json live_of(Json object) {
    object["metadata"]["uid"] = "u-1";
    object["metadata"]["resourceVersion"] = "42";
    object["metadata"]["labels"]["extra"] = "added-by-someone";
    object["spec"]["revisionHistoryLimit"] = 10;
    object["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent";
    object["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] = "TCP";
    object["status"] = {{"readyReplicas", 1}};
    return object;
}
} // namespace

TEST_CASE("fields the server adds are not a difference", "[controllers][diff]") {
    const Json desired = desired_deployment();
    CHECK(is_in_sync(desired, live_of(desired)));
    CHECK_FALSE(first_difference(desired, live_of(desired)).has_value());
}

TEST_CASE("a changed image is found, with its path", "[controllers][diff]") {
    const Json desired = desired_deployment();
    Json live = live_of(desired);
    live["spec"]["template"]["spec"]["containers"][0]["image"] = "r/x:2";
    CHECK(first_difference(desired, live) == std::optional<std::string>("spec.template.spec.containers[0].image"));
}

TEST_CASE("changed replicas are drift", "[controllers][diff]") {
    const Json desired = desired_deployment();
    Json live = live_of(desired);
    live["spec"]["replicas"] = 3;
    CHECK(first_difference(desired, live) == std::optional<std::string>("spec.replicas"));
}

TEST_CASE("a missing annotation or label is a difference", "[controllers][diff]") {
    const Json desired = desired_deployment();
    Json live = live_of(desired);
    live["spec"]["template"]["metadata"].erase("annotations");
    CHECK(first_difference(desired, live) ==
          std::optional<std::string>("spec.template.metadata.annotations"));
    live = live_of(desired);
    live["metadata"]["labels"].erase("labfleet.dev/workload");
    CHECK(first_difference(desired, live) == std::optional<std::string>("metadata.labels.labfleet.dev/workload"));
}

TEST_CASE("arrays compare element-wise and by length", "[controllers][diff]") {
    const Json desired = {{"list", {{{"a", 1}}, {{"b", 2}}}}};
    CHECK(is_in_sync(desired, {{"list", {{{"a", 1}, {"x", 0}}, {{"b", 2}}}}}));
    CHECK(first_difference(desired, {{"list", {{{"a", 1}}}}}) == std::optional<std::string>("list"));
    CHECK(first_difference(desired, {{"list", {{{"a", 1}}, {{"b", 3}}}}}) == std::optional<std::string>("list[1].b"));
    CHECK_FALSE(is_in_sync(desired, {{"list", {{{"a", 1}}, {{"b", 2}}, {{"c", 3}}}}}));
}

TEST_CASE("numbers compare by value, types must match otherwise", "[controllers][diff]") {
    CHECK(is_in_sync(Json{{"n", 8080}}, Json{{"n", 8080u}}));
    CHECK(is_in_sync(Json{{"n", 2}}, Json{{"n", 2.0}}));
    CHECK_FALSE(is_in_sync(Json{{"n", 8080}}, Json{{"n", "8080"}}));
    CHECK_FALSE(is_in_sync(Json{{"o", {{"a", 1}}}}, Json{{"o", "text"}}));
    CHECK(is_in_sync(Json{{"gone", nullptr}}, Json::object()));
}

TEST_CASE("a desired null means absent, also inside an object live lacks", "[controllers][diff]") {
    const Json desired = {{"metadata", {{"annotations", {{"hash", nullptr}}}}}};
    CHECK(is_in_sync(desired, Json{{"metadata", Json::object()}}));
    CHECK(is_in_sync(desired, Json{{"metadata", {{"annotations", {{"other", "x"}}}}}}));
    CHECK(first_difference(desired, Json{{"metadata", {{"annotations", {{"hash", "abc"}}}}}}) ==
          std::optional<std::string>("metadata.annotations.hash"));
    // An object that also asks for a value is needed, and an empty object is a value too.
    CHECK(first_difference(Json{{"o", {{"gone", nullptr}, {"a", 1}}}}, Json::object()) ==
          std::optional<std::string>("o"));
    CHECK_FALSE(is_in_sync(Json{{"o", Json::object()}}, Json::object()));
}

TEST_CASE("without_absent drops what asks for absence, nothing else", "[controllers][diff]") {
    const Json object = Json::parse(R"({"metadata": {"name": "a", "annotations": {"hash": null}},
        "spec": {"list": [{"gone": null, "kept": 1}], "empty": {}, "zero": 0}})");
    CHECK(without_absent(object) ==
          Json::parse(R"({"metadata": {"name": "a"}, "spec": {"list": [{"kept": 1}], "empty": {}, "zero": 0}})"));
}
