#include <catch2/catch.hpp>

#include "kube/json/json_fields.hpp"

using namespace labfleet::kube;

namespace {
const Json pod = Json::parse(R"({
  "kind": "Pod", "replicas": 3,
  "metadata": {"name": "web", "labels": {"app": "web", "tier": 7}},
  "spec": {"target": "stg", "items": ["a"]}
})");
}

TEST_CASE("string_field reads a string member and nothing else", "[kube][json_fields]") {
    CHECK(string_field(pod, "kind") == "Pod");
    CHECK(string_field(pod, "replicas").empty());
    CHECK(string_field(pod, "missing").empty());
    CHECK(string_field(Json::array({"kind"}), "kind").empty());
    CHECK(string_field(Json(), "kind").empty());
}

TEST_CASE("string_at follows a JSON pointer to a string", "[kube][json_fields]") {
    CHECK(string_at(pod, "/spec/target") == "stg");
    CHECK(string_at(pod, "/metadata/name") == "web");
    CHECK(string_at(pod, "/spec/items").empty());
    CHECK(string_at(pod, "/spec/absent/deeper").empty());
    CHECK(string_at(Json("text"), "/spec/target").empty());
}

TEST_CASE("label_of reads a string label, empty when absent", "[kube][json_fields]") {
    CHECK(label_of(pod, "app") == "web");
    CHECK(label_of(pod, "tier").empty());
    CHECK(label_of(pod, "absent").empty());
    CHECK(label_of(Json::parse(R"({"metadata": {"labels": null}})"), "app").empty());
    CHECK(label_of(Json::object(), "app").empty());
}

TEST_CASE("find_label tells an empty label from a missing one", "[kube][json_fields]") {
    const Json object = Json::parse(R"({"metadata": {"labels": {"app": "web", "canary": "", "tier": 7}}})");
    REQUIRE(find_label(object, "app") != nullptr);
    CHECK(*find_label(object, "app") == "web");
    REQUIRE(find_label(object, "canary") != nullptr);
    CHECK(find_label(object, "canary")->empty());
    CHECK(find_label(object, "tier") == nullptr);
    CHECK(find_label(object, "absent") == nullptr);
    CHECK(find_label(Json::object(), "app") == nullptr);
}

TEST_CASE("string_in reads a member whose key a pointer would have to escape", "[kube][json_fields]") {
    const Json object = Json::parse(
        R"({"metadata": {"annotations": {"labfleet.dev/files-tag": "1.5.0", "n": 7}}, "data": ["x"]})");
    CHECK(string_in(object, "/metadata/annotations", "labfleet.dev/files-tag") == "1.5.0");
    CHECK(string_in(object, "/metadata/annotations", "n").empty());
    CHECK(string_in(object, "/metadata/annotations", "absent").empty());
    CHECK(string_in(object, "/data", "x").empty());  // not an object
    CHECK(string_in(object, "/spec/template", "x").empty());
    CHECK(string_in(Json("text"), "/metadata", "x").empty());
}
