#include <catch2/catch.hpp>

#include <pthread.h>

#include "controllers/render/workshop_render.hpp"
#include "controllers/render/yaml_convert.hpp"

using namespace labfleet::controllers;
using labfleet::kube::Json;

namespace {
const WorkshopVariables vars{"r.example.com", "v7", "r.example.com/w:v7", "r.example.com/f:v7", "qa"};
}

TEST_CASE("placeholders in every string, keys untouched", "[controllers][render]") {
    const Json workshop = Json::parse(R"({
        "${ENVIRONMENT}": "key stays",
        "title": "Lab on ${ENVIRONMENT}",
        "content": {"image": "${REGISTRY_HOST}/f:${IMAGE_TAG}", "list": ["${WORKSHOP_IMAGE}", 3, true, null, "${FILES_IMAGE}"]},
        "port": 8080})");
    const auto rendered = render_workshop(workshop, vars);
    CHECK(rendered.definition["${ENVIRONMENT}"] == "key stays");
    CHECK(rendered.definition["title"] == "Lab on qa");
    CHECK(rendered.definition["content"]["image"] == "r.example.com/f:v7");
    CHECK(rendered.definition["content"]["list"] ==
          Json::parse(R"(["r.example.com/w:v7", 3, true, null, "r.example.com/f:v7"])"));
    CHECK(rendered.definition["port"] == 8080);
    CHECK(rendered.unknown.empty());
    CHECK(rendered.yaml.find("title: Lab on qa\n") != std::string::npos);
}

TEST_CASE("unknown and malformed placeholders stay, unknown ones are reported once", "[controllers][render]") {
    const Json workshop = {{"a", "${NOPE} and ${NOPE}"}, {"b", "${ZED}${ENVIRONMENT}"}, {"c", "$ENVIRONMENT ${ENVIRONMENT"},
                           {"d", "${}"}, {"e", "$${ENVIRONMENT}"}};
    const auto rendered = render_workshop(workshop, vars);
    CHECK(rendered.definition["a"] == "${NOPE} and ${NOPE}");
    CHECK(rendered.definition["b"] == "${ZED}qa");
    CHECK(rendered.definition["c"] == "$ENVIRONMENT ${ENVIRONMENT");
    CHECK(rendered.definition["d"] == "${}");
    CHECK(rendered.definition["e"] == "$qa");
    CHECK(rendered.unknown == std::vector<std::string>{"${NOPE}", "${ZED}", "${}"});
}

TEST_CASE("substitution is one pass", "[controllers][render]") {
    WorkshopVariables tricky = vars;
    tricky.environment = "${IMAGE_TAG}";
    std::vector<std::string> unknown;
    CHECK(substitute("${ENVIRONMENT}", tricky, unknown) == "${IMAGE_TAG}");
    CHECK(unknown.empty());
}

TEST_CASE("rendered YAML is stable and reads back the same", "[controllers][render]") {
    const Json workshop = Json::parse(R"({"z": 1, "a": {"y": "8080", "b": "true", "c": "", "d": "null", "e": "1.5",
        "f": "yes", "g": "multi\nline\n", "h": "no newline\nat end", "i": [], "j": {}, "k": -3, "l": 2.5,
        "m": "a: b", "n": "- x", "o": "#c", "p": " lead", "q": false}})");
    const auto first = render_workshop(workshop, vars);
    const auto second = render_workshop(workshop, vars);
    CHECK(first.yaml == second.yaml);
    CHECK(first.yaml.rfind("a:\n", 0) == 0);  // keys sorted
    auto back = parse_yaml_stream(first.yaml);
    REQUIRE(back.ok());
    REQUIRE(back->size() == 1);
    CHECK(back->front() == workshop);
    CHECK(render_workshop(Json::object(), vars).yaml == "{}\n");
}

TEST_CASE("repo:${IMAGE_TAG} with a digest renders a valid reference", "[controllers][render]") {
    // Issue 15, item 7: a digest used to render `f:sha256:...`, which no registry accepts.
    const std::string digest = "sha256:" + std::string(64, 'b');
    WorkshopVariables pinned = vars;
    pinned.image_tag = digest;
    pinned.files_image = "r.example.com/f@" + digest;
    const Json workshop = Json::parse(R"({
        "files": "${REGISTRY_HOST}/f:${IMAGE_TAG}",
        "same": "${FILES_IMAGE}",
        "version": "${IMAGE_TAG}",
        "label": "files ${IMAGE_TAG}",
        "twice": "a:${IMAGE_TAG} b:${IMAGE_TAG}"})");
    const auto rendered = render_workshop(workshop, pinned);
    CHECK(rendered.definition["files"] == "r.example.com/f@" + digest);
    CHECK(rendered.definition["files"] == rendered.definition["same"]);
    CHECK(rendered.definition["version"] == digest);  // the digest as given, not after ':'
    CHECK(rendered.definition["label"] == "files " + digest);
    CHECK(rendered.definition["twice"] == "a@" + digest + " b@" + digest);

    // A plain tag keeps its ':'.
    const auto tagged = render_workshop(workshop, vars);
    CHECK(tagged.definition["files"] == "r.example.com/f:v7");
    CHECK(tagged.definition["version"] == "v7");
}

TEST_CASE("unknown placeholders are reported with the field that holds them", "[controllers][render]") {
    const Json workshop = Json::parse(R"({"title": "${FOO}", "session": {"env": [{"value": "x"}, {"value": "${FOO} ${BAR}"}]}})");
    const auto rendered = render_workshop(workshop, vars);
    CHECK(rendered.unknown == std::vector<std::string>{"${BAR}", "${FOO}"});
    CHECK(rendered.unknown_at == std::vector<PlaceholderUse>{{"${BAR}", "session.env[1].value"},
                                                             {"${FOO}", "session.env[1].value"},
                                                             {"${FOO}", "title"}});
    CHECK(render_workshop(Json("${FOO}"), vars).unknown_at == std::vector<PlaceholderUse>{{"${FOO}", ""}});
}

namespace {
/// Runs `body` on a thread with a stack of `bytes` and waits for it. The
/// renderer's walk is iterative, but nlohmann's copy and comparison recurse
/// once per level: at 10,000 levels they take 1-2 MB of stack in an optimised
/// build (the operator's threads have 8 MB), and about ten times that under
/// AddressSanitizer.
template <class Body>
void on_large_stack(std::size_t bytes, Body body) {
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, bytes);
    pthread_t thread;
    const auto run = [](void* argument) -> void* {
        (*static_cast<Body*>(argument))();
        return nullptr;
    };
    REQUIRE(pthread_create(&thread, &attributes, run, &body) == 0);
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attributes);
}
} // namespace

TEST_CASE("a definition nested ten thousand deep renders without deep recursion", "[controllers][render]") {
    // The API server's JSON decoder allows 10,000 levels. A recursive walk,
    // with the field path copied at every level, grew stack and memory with
    // the depth a user writes.
    constexpr int depth = 10000;
    std::vector<std::string> unknown;
    std::size_t uses = 0;
    std::string path, leaf;
    bool yaml_has_leaf = false;
    on_large_stack(128u << 20, [&] {
        Json workshop = "${IMAGE_TAG} ${NOPE}";
        for (int level = 0; level < depth; ++level) {
            Json outer = level % 2 ? Json::object() : Json::array();
            if (level % 2) outer["k"] = std::move(workshop);
            else outer.push_back(std::move(workshop));
            workshop = std::move(outer);
        }
        const auto rendered = render_workshop(workshop, vars);
        unknown = rendered.unknown;
        uses = rendered.unknown_at.size();
        if (uses == 1) path = rendered.unknown_at.front().field;
        yaml_has_leaf = rendered.yaml.find("v7 ${NOPE}") != std::string::npos;
        const Json* at = &rendered.definition;
        for (int level = depth - 1; level >= 0; --level) at = level % 2 ? &(*at)["k"] : &(*at)[0];
        leaf = at->get<std::string>();
    });
    CHECK(unknown == std::vector<std::string>{"${NOPE}"});
    REQUIRE(uses == 1);
    CHECK(path.starts_with("k[0].k[0]"));
    CHECK(path.ends_with("k[0]"));
    CHECK(path.size() == depth / 2 * std::string("k[0]").size() + depth / 2 - 1);  // "k[0]" joined by "."
    CHECK(yaml_has_leaf);
    CHECK(leaf == "v7 ${NOPE}");
}
