#include <catch2/catch.hpp>

#include "kube/cache/object_trim.hpp"

using namespace labfleet::kube;

namespace {
const std::vector<std::string_view> at_top{};
const std::vector<std::string_view> event_object{"object"};
const std::vector<std::string_view> list_items{"items", "*"};
} // namespace

TEST_CASE("parse builds what Json::parse builds when nothing is trimmed", "[kube][trim]") {
    const ObjectTrim trim({"/status/conditions", "/spec/list/1"});
    for (const char* text :
         {R"({})", R"([])", R"(7)", R"("s")", R"(null)", R"(true)", R"(-3.25e2)", R"(18446744073709551615)",
          R"({"a":[1,[2,{"b":null}],{"c":{"d":[]}}],"e":"\u00e9\ud83d\ude00","f":-9223372036854775808})",
          R"({"dup":1,"dup":{"x":2},"dup":[3]})", R"([{"metadata":{"managedFields":[1]}}])",
          R"({"object":{"metadata":{"name":"a"},"spec":{"list":[0]}}})"}) {
        INFO(text);
        CHECK(trim.parse(text, at_top) == Json::parse(text));
        CHECK(trim.parse(text, event_object) == Json::parse(text));
        CHECK(trim.parse(text, list_items) == Json::parse(text));
    }
}

TEST_CASE("parse drops managedFields and the given pointers of each object, nothing else", "[kube][trim]") {
    const ObjectTrim trim({last_applied_pointer, "/status/conditions", "/spec/list/0", "/spec/deep/er/est"});
    const Json expected = Json::parse(R"({"metadata":{"name":"a","annotations":{"keep":"me"}},
        "spec":{"list":[2,{"x":[0]}],"deep":{"er":{"keep":1}},"other":{"conditions":[1]}},"status":{"ready":true}})");
    const std::string object = R"({"metadata":{"name":"a","managedFields":[{"manager":"m","fieldsV1":{"f:spec":{}}}],
        "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"big\":1}","keep":"me"}},
        "spec":{"list":[{"gone":[1,2]},2,{"x":[0]}],"deep":{"er":{"est":{"a":[{}]},"keep":1}},"other":{"conditions":[1]}},
        "status":{"conditions":[{"type":"Ready"}],"ready":true}})";

    SECTION("at the top") { CHECK(trim.parse(object, at_top) == expected); }
    SECTION("in a watch event, and only there") {
        const Json event = trim.parse(R"({"type":"MODIFIED","metadata":{"managedFields":1},"object":)" + object + "}",
                                      event_object);
        CHECK(event["object"] == expected);
        CHECK(event["metadata"] == Json{{"managedFields", 1}});
        CHECK(event["type"] == "MODIFIED");
    }
    SECTION("in every item of a list, not in the list's own metadata") {
        const Json list = trim.parse(R"({"metadata":{"resourceVersion":"5","managedFields":[]},"items":[)" + object + "," +
                                         object + R"(,3,{"spec":{"list":"not an array"}}]})",
                                     list_items);
        CHECK(list["metadata"] == Json{{"resourceVersion", "5"}, {"managedFields", Json::array()}});
        REQUIRE(list["items"].size() == 4);
        CHECK(list["items"][0] == expected);
        CHECK(list["items"][1] == expected);
        CHECK(list["items"][2] == 3);
        CHECK(list["items"][3] == Json::parse(R"({"spec":{"list":"not an array"}})"));
    }
}

TEST_CASE("a pointer inside a trimmed one changes nothing, a bad pointer throws", "[kube][trim]") {
    const ObjectTrim trim({"/status/conditions/0/type", "/status", "/status/conditions"});
    CHECK(trim.parse(R"({"status":{"conditions":[{"type":"x"}]},"spec":{}})", at_top) == Json{{"spec", Json::object()}});
    CHECK_THROWS(ObjectTrim({"no-slash"}));
}

TEST_CASE("parse of malformed JSON is discarded, never an exception", "[kube][trim]") {
    const ObjectTrim trim;
    for (const char* text : {"", "{", R"({"a":})", R"({"a":1} x)", R"([1,])", "nul", R"({"metadata":{"managedFields":[)",
                             R"({"object":{"metadata":{"managedFields":[{]}}})"}) {
        INFO(text);
        CHECK(trim.parse(text, event_object).is_discarded());
    }
}

TEST_CASE("parse accepts and refuses what Json::parse does, and reads the same values", "[kube][trim]") {
    const ObjectTrim trim;
    // Edge cases of the grammar, strings and numbers; each is compared with Json::parse.
    const std::vector<std::string> texts = {
        " \t\r\n{ \"a\" : [ 1 , 2 ] } \n", "\xEF\xBB\xBF[1]", "\xEF\xBB[1]", "[1]\xEF\xBB\xBF",
        R"("\"\\\/\b\f\n\r\t")", R"("\u0041\u00e9\u20ac\ud83d\ude00")", R"("\u0000")", R"("\ud83d")", R"("\ude00")",
        R"("\ud83d\u0041")", R"("\u12")", R"("\x")", "\"a\tb\"", "\"\x01\"", "\"\x7f\"",
        "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"", "\"\xC0\xAF\"", "\"\xC1\xBF\"", "\"\xE0\x80\xAF\"",
        "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xF5\x80\x80\x80\"", "\"\xE2\x82\"", "\"\x80\"",
        "0", "-0", "01", "-", "1.", ".5", "1.5e", "1e+", "2E-3", "1.25E+2", "-12.5e-1", "+1", "0x10",
        "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
        "1e308", "1e309", "-1e309", "1e-400", "123456789012345678901234567890",
        "true", "false", "null", "tru", "nulll", "True", "[true,false,null]",
        "{}", "[]", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "[,1]", "{,}", "{1:2}", "[1 2]", "[1]]",
        "{\"a\":{\"b\":{\"c\":[[[]]]}}}", "[[[[[[[[[[1]]]]]]]]]]", "[[[[", "", "   ", "1 2", "\"abc",
        std::string("[1,\0]", 5), std::string("\"a\0b\"", 5), std::string("1 \0 x", 5), std::string("{\0}", 3)};
    for (const std::string& text : texts) {
        INFO(text);
        const Json expected = Json::parse(text, nullptr, /*allow_exceptions=*/false);
        const Json got = trim.parse(text, at_top);
        REQUIRE(got.is_discarded() == expected.is_discarded());
        if (expected.is_discarded()) continue;
        CHECK(got == expected);
        CHECK(got.type() == expected.type());  // unsigned, integer or float alike
        CHECK(got.dump() == expected.dump());
    }
}
