#include <catch2/catch.hpp>

#include "controllers/yaml_convert.hpp"

using namespace labfleet::controllers;
using labfleet::kube::Json;

TEST_CASE("YAML scalars keep the type the author wrote", "[controllers][yaml]") {
    auto docs = parse_yaml_stream(R"(
int: 8080
quoted_int: "8080"
single: '8080'
bool: true
quoted_bool: "true"
word_yes: yes
null_value: ~
empty:
float: 1.5
hex: 0x1f
text: hello world
tagged: !!str 42
negative: -7
)");
    REQUIRE(docs.ok());
    const Json& d = docs->at(0);
    CHECK(d["int"] == 8080);
    CHECK(d["quoted_int"] == "8080");
    CHECK(d["single"] == "8080");
    CHECK(d["bool"] == true);
    CHECK(d["quoted_bool"] == "true");
    CHECK(d["word_yes"] == "yes");  // YAML 1.2: only true/false are booleans
    CHECK(d["null_value"].is_null());
    CHECK(d["empty"].is_null());
    CHECK(d["float"] == 1.5);
    CHECK(d["hex"] == 31);
    CHECK(d["text"] == "hello world");
    CHECK(d["tagged"] == "42");
    CHECK(d["negative"] == -7);
}

TEST_CASE("YAML streams and their errors", "[controllers][yaml]") {
    auto docs = parse_yaml_stream("a: 1\n---\n---\nb: [1, \"2\"]\n");
    REQUIRE(docs.ok());
    REQUIRE(docs->size() == 3);
    CHECK(docs->at(1).is_null());
    CHECK(docs->at(2)["b"] == Json::parse(R"([1, "2"])"));
    auto bad = parse_yaml_stream("a: 1\nb: [unclosed\n");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("line") != std::string::npos);
    auto dup = parse_yaml_stream("a: 1\na: 2\n");
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().message.find("duplicate key \"a\"") != std::string::npos);
    CHECK_FALSE(parse_yaml_stream("a: .inf\n").ok());
    CHECK_FALSE(parse_yaml_stream("a: 99999999999999999999\n").ok());
}

TEST_CASE("emitted YAML quotes what would change type", "[controllers][yaml]") {
    const Json value = {{"s", "8080"}, {"b", "false"}, {"y", "on"}, {"n", ""}, {"t", "~"}, {"i", 8080}, {"f", true}};
    const std::string yaml = json_to_yaml(value);
    CHECK(yaml.find("s: \"8080\"") != std::string::npos);
    CHECK(yaml.find("i: 8080") != std::string::npos);
    CHECK(yaml.find("f: true") != std::string::npos);
    CHECK(parse_yaml_stream(yaml)->at(0) == value);
}
