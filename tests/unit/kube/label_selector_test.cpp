#include <catch2/catch.hpp>

#include "kube/meta/label_selector.hpp"

using namespace labfleet::kube;

namespace {
LabelSelector parse(const char* text) {
    auto result = LabelSelector::from_json(Json::parse(text), "spec.s");
    if (!result.ok()) FAIL(result.error().message);
    return result.value();
}
std::string error_field(const char* text) {
    auto result = LabelSelector::from_json(Json::parse(text), "spec.s");
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == ErrorReason::Decode);
    REQUIRE(result.error().causes.size() == 1);
    return result.error().causes[0].field;
}
} // namespace

TEST_CASE("empty selector matches everything", "[kube][selector]") {
    const auto selector = parse("{}");
    CHECK(selector.empty());
    CHECK(selector.matches({}));
    CHECK(selector.matches({{"a", "b"}}));
    CHECK(selector.to_query().empty());
    CHECK(parse(R"({"matchLabels": null, "matchExpressions": []})").empty());
}

TEST_CASE("matchLabels requires every pair", "[kube][selector]") {
    const auto selector = parse(R"({"matchLabels": {"env": "prod", "tier": "web"}})");
    CHECK(selector.matches({{"env", "prod"}, {"tier", "web"}, {"x", "y"}}));
    CHECK_FALSE(selector.matches({{"env", "prod"}}));
    CHECK_FALSE(selector.matches({{"env", "dev"}, {"tier", "web"}}));
    CHECK(selector.to_query() == "env=prod,tier=web");
}

TEST_CASE("each operator of matchExpressions", "[kube][selector]") {
    SECTION("In") {
        const auto s = parse(R"({"matchExpressions": [{"key": "env", "operator": "In", "values": ["qa", "dev"]}]})");
        CHECK(s.matches({{"env", "dev"}}));
        CHECK(s.matches({{"env", "qa"}}));
        CHECK_FALSE(s.matches({{"env", "prod"}}));
        CHECK_FALSE(s.matches({}));
        CHECK(s.to_query() == "env in (dev,qa)");
    }
    SECTION("NotIn: an absent key satisfies it") {
        const auto s = parse(R"({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]})");
        CHECK(s.matches({{"env", "dev"}}));
        CHECK(s.matches({}));
        CHECK_FALSE(s.matches({{"env", "prod"}}));
        CHECK(s.to_query() == "env notin (prod)");
    }
    SECTION("Exists") {
        const auto s = parse(R"({"matchExpressions": [{"key": "labfleet.dev/shared", "operator": "Exists"}]})");
        CHECK(s.matches({{"labfleet.dev/shared", ""}}));
        CHECK_FALSE(s.matches({{"shared", "x"}}));
        CHECK(s.to_query() == "labfleet.dev/shared");
    }
    SECTION("DoesNotExist") {
        const auto s = parse(R"({"matchExpressions": [{"key": "frozen", "operator": "DoesNotExist", "values": []}]})");
        CHECK(s.matches({{"a", "b"}}));
        CHECK_FALSE(s.matches({{"frozen", "true"}}));
        CHECK(s.to_query() == "!frozen");
    }
    SECTION("all together are ANDed, labels first in the query") {
        const auto s = parse(R"({"matchLabels": {"team": "a"}, "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["dev", "qa", "dev"]},
            {"key": "env", "operator": "NotIn", "values": ["qa"]},
            {"key": "tier", "operator": "Exists"},
            {"key": "frozen", "operator": "DoesNotExist"}]})");
        CHECK(s.matches({{"team", "a"}, {"env", "dev"}, {"tier", "x"}}));
        CHECK_FALSE(s.matches({{"team", "a"}, {"env", "qa"}, {"tier", "x"}}));
        CHECK_FALSE(s.matches({{"team", "a"}, {"env", "dev"}}));
        CHECK_FALSE(s.matches({{"team", "a"}, {"env", "dev"}, {"tier", "x"}, {"frozen", ""}}));
        CHECK_FALSE(s.matches({{"team", "b"}, {"env", "dev"}, {"tier", "x"}}));
        CHECK(s.to_query() == "team=a,env in (dev,qa),env notin (qa),tier,!frozen");
        CHECK(s.match_expressions()[0].values == std::vector<std::string>{"dev", "qa"});
    }
}

TEST_CASE("selector JSON round-trips", "[kube][selector]") {
    const auto s = parse(R"({"matchLabels": {"a": "b"}, "matchExpressions": [
        {"key": "c", "operator": "In", "values": ["x"]}, {"key": "d", "operator": "DoesNotExist"}]})");
    auto again = LabelSelector::from_json(s.to_json());
    REQUIRE(again.ok());
    CHECK(again.value() == s);
    CHECK(LabelSelector().to_json() == Json::object());
}

TEST_CASE("malformed selectors name the field", "[kube][selector]") {
    CHECK(error_field("null") == "spec.s");
    CHECK(error_field("[]") == "spec.s");
    CHECK(error_field(R"({"matchLabel": {}})") == "spec.s.matchLabel");
    CHECK(error_field(R"({"matchLabels": []})") == "spec.s.matchLabels");
    CHECK(error_field(R"({"matchLabels": {"a": 1}})") == "spec.s.matchLabels.a");
    CHECK(error_field(R"({"matchLabels": {"a": "b c"}})") == "spec.s.matchLabels.a");
    CHECK(error_field(R"({"matchLabels": {"-a": "b"}})") == "spec.s.matchLabels.-a");
    CHECK(error_field(R"({"matchExpressions": {}})") == "spec.s.matchExpressions");
    CHECK(error_field(R"({"matchExpressions": [{"operator": "Exists"}]})") == "spec.s.matchExpressions[0].key");
    CHECK(error_field(R"({"matchExpressions": [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "in", "values": ["x"]}]})") ==
          "spec.s.matchExpressions[1].operator");
    CHECK(error_field(R"({"matchExpressions": [{"key": "a", "operator": "In"}]})") == "spec.s.matchExpressions[0].values");
    CHECK(error_field(R"({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]})") ==
          "spec.s.matchExpressions[0].values");
    CHECK(error_field(R"({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]})") ==
          "spec.s.matchExpressions[0].values");
    CHECK(error_field(R"({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", 2]}]})") ==
          "spec.s.matchExpressions[0].values[1]");
    CHECK(error_field(R"({"matchExpressions": [{"key": "a", "operator": "In", "values": ["x,y"]}]})") ==
          "spec.s.matchExpressions[0].values[0]");
}

TEST_CASE("label key and value syntax", "[kube][selector]") {
    CHECK(is_label_key("app.kubernetes.io/name"));
    CHECK(is_label_key("a"));
    CHECK_FALSE(is_label_key(""));
    CHECK_FALSE(is_label_key("/a"));
    CHECK_FALSE(is_label_key("Example.com/a"));
    CHECK_FALSE(is_label_key("a/"));
    CHECK_FALSE(is_label_key(std::string(64, 'a')));
    // The prefix is a subdomain as Kubernetes checks it: 253 characters in all, no limit per part.
    CHECK(is_label_key(std::string(64, 'a') + ".example.com/a"));
    CHECK(is_label_key(std::string(253, 'a') + "/a"));
    CHECK_FALSE(is_label_key(std::string(254, 'a') + "/a"));
    CHECK(is_label_value(""));
    CHECK(is_label_value("v1.2_3-x"));
    CHECK_FALSE(is_label_value("-a"));
    CHECK_FALSE(is_label_value("a b"));
    CHECK_FALSE(is_label_value(std::string(64, 'a')));
}
