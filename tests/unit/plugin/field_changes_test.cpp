#include <catch2/catch.hpp>

#include "plugin/field_changes.hpp"

using namespace labfleet;
using namespace labfleet::plugin;

namespace {
kube::Json deployment(std::string image, int replicas) {
    return {{"kind", "Deployment"},
            {"metadata", {{"name", "web-files"}, {"labels", {{"app", "web"}}}}},
            {"spec",
             {{"replicas", replicas},
              {"template", {{"spec", {{"containers", {{{"name", "files"}, {"image", std::move(image)}}}}}}}}}}};
}
} // namespace

TEST_CASE("diff names each field that differs, with the live and the desired value") {
    const auto desired = deployment("r/web-files:prod", 2);
    auto live = deployment("r/web-files:pr-1", 1);
    live["status"] = {{"replicas", 1}};                      // extra live fields are not changes
    live["metadata"]["labels"]["pod-template-hash"] = "abc";
    const auto changes = field_changes(desired, live);
    REQUIRE(changes.size() == 2);
    CHECK(changes[0] == FieldChange{"spec.replicas", kube::Json(1), kube::Json(2)});
    CHECK(changes[1] == FieldChange{"spec.template.spec.containers[0].image", kube::Json("r/web-files:pr-1"),
                                    kube::Json("r/web-files:prod")});
    CHECK(format_change(changes[1]) ==
          R"(spec.template.spec.containers[0].image: "r/web-files:pr-1" -> "r/web-files:prod")");
    CHECK(field_changes(desired, deployment("r/web-files:prod", 2)).empty());
}

TEST_CASE("missing fields, arrays of another length and values that mean absent") {
    auto desired = deployment("x", 1);
    desired["metadata"]["annotations"] = {{"a", "1"}, {"gone", nullptr}};
    desired["spec"]["template"]["spec"]["containers"].push_back({{"name", "sidecar"}});
    const auto live = deployment("x", 1);
    const auto changes = field_changes(desired, live);
    REQUIRE(changes.size() == 2);
    CHECK(changes[0].path == "metadata.annotations");
    CHECK_FALSE(changes[0].live);
    CHECK(format_change(changes[0]) == R"(metadata.annotations: <absent> -> {"a":"1","gone":null})");
    CHECK(changes[1].path == "spec.template.spec.containers");  // 1 element live, 2 desired: the whole array
    CHECK(changes[1].live->size() == 1);
    // A desired null is in sync with an absent field.
    auto only_null = deployment("x", 1);
    only_null["metadata"]["annotations"] = {{"gone", nullptr}};
    CHECK(field_changes(only_null, live).empty());
    CHECK(field_changes(kube::Json(1), kube::Json("1"))[0].path == "<root>");
}

TEST_CASE("long values are cut, never inside a UTF-8 character") {
    const FieldChange change{"data.workshop.yaml", kube::Json(std::string(50, 'a')), kube::Json("é" + std::string(10, 'b'))};
    CHECK(format_change(change, 10) == R"(data.workshop.yaml: "aaaaaaaaa... -> "é)" + std::string(7, 'b') + "...");
    CHECK(format_change(change, 2) == R"(data.workshop.yaml: "a... -> "...)");
}
