#include <catch2/catch.hpp>

#include "controllers/render/yaml_convert.hpp"

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

TEST_CASE("scalars of a megabyte are classified without deep recursion", "[controllers][yaml]") {
    // A backtracking matcher recursed once per character here and overflowed
    // the stack on a 60,000-digit workshop string; the operator crash-looped.
    const std::size_t size = 1 << 20;
    const std::string digits(size, '7');
    const std::string yaml = json_to_yaml(Json{{"workshop", digits}});
    CHECK(yaml == "workshop: \"" + digits + "\"\n");  // quoted: it would read back as a number

    auto parsed = parse_yaml_stream("workshop: " + digits + "\n");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message.find("integer out of range") != std::string::npos);
    CHECK(parsed.error().message.size() < 200);  // the error names the value, not all of it

    const std::string decimal = "1." + digits + "e5";
    auto number = parse_yaml_stream("n: " + decimal + "\n");
    REQUIRE(number.ok());
    CHECK(number->at(0)["n"].is_number_float());
    CHECK(parse_yaml_stream("s: \"" + digits + "\"\n")->at(0)["s"] == digits);
    CHECK(json_to_yaml(Json{{"s", std::string(size, 'a')}}) == "s: " + std::string(size, 'a') + "\n");
}

TEST_CASE("numbers beyond a double are an error, not an exception", "[controllers][yaml]") {
    auto huge = parse_yaml_stream("a: 1e999\n");
    REQUIRE_FALSE(huge.ok());
    CHECK(huge.error().message.find("out of range") != std::string::npos);
    auto tiny = parse_yaml_stream("a: 1e-400\n");  // underflows to zero: a number still
    REQUIRE(tiny.ok());
    CHECK(tiny->at(0)["a"].is_number_float());
}

TEST_CASE("plain scalars read by the YAML 1.2 core schema", "[controllers][yaml]") {
    auto docs = parse_yaml_stream(R"(
- 0o17
- 0x1F
- +12
- -0
- 1.
- .5
- -.5e3
- 1e5
- .
- -.
- 1e
- 0x
- 0o8
- 12a
- .nan
- -.inf
- +.Inf
- -.nan
- 1_000
- Null
- FALSE
- yes
)");
    REQUIRE_FALSE(docs.ok());  // .nan and .inf are refused; read the rest one by one
    const std::vector<std::pair<std::string, Json>> cases = {
        {"0o17", 15}, {"0x1F", 31}, {"+12", 12}, {"-0", 0}, {"1.", 1.0}, {".5", 0.5}, {"-.5e3", -500.0},
        {"1e5", 100000.0}, {".", "."}, {"-.", "-."}, {"1e", "1e"}, {"0x", "0x"}, {"0o8", "0o8"}, {"12a", "12a"},
        {"-.nan", "-.nan"}, {"1_000", "1_000"}, {"Null", nullptr}, {"FALSE", false}, {"yes", "yes"}};
    for (const auto& [text, expected] : cases) {
        INFO(text);
        auto doc = parse_yaml_stream("v: " + text + "\n");
        REQUIRE(doc.ok());
        CHECK(doc->at(0)["v"] == expected);
        // Whatever a string reads as, writing it keeps it a string.
        auto round_trip = parse_yaml_stream(json_to_yaml(Json{{"v", text}}));
        REQUIRE(round_trip.ok());
        CHECK(round_trip->at(0)["v"] == text);
    }
    for (const char* refused : {".nan", "-.inf", "+.Inf", ".NAN"}) {
        INFO(refused);
        CHECK_FALSE(parse_yaml_stream(std::string("v: ") + refused + "\n").ok());
    }
}

TEST_CASE("a YAML stream that is not UTF-8 is refused with where", "[controllers][yaml]") {
    // Such bytes were read as they came and written back changed; the API
    // server stores only UTF-8.
    for (const std::string bad : {"a: \xa2\n", "a: b\nc: \xc0\xaf\n", "a: \xed\xa0\x80\n", "a: \xf4\x90\x80\x80\n",
                                  "a: \xe2\x82\n"}) {
        auto parsed = parse_yaml_stream(bad);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().message.find("not UTF-8 at byte") != std::string::npos);
    }
    CHECK(parse_yaml_stream("a: b\nc: \xc0\xaf\n").error().message.find("line 2") != std::string::npos);
    auto good = parse_yaml_stream("a: \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
    REQUIRE(good.ok());
    CHECK(good->at(0)["a"] == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST_CASE("an error quotes a long value without splitting a character", "[controllers][yaml]") {
    // 63 ASCII bytes, then a two-byte character across the 64-byte cut.
    const std::string key = std::string(63, 'k') + "\xc3\xa9" + std::string(100, 'k');
    auto duplicate = parse_yaml_stream(key + ": 1\n" + key + ": 2\n");
    REQUIRE_FALSE(duplicate.ok());
    const std::string& message = duplicate.error().message;
    CHECK(message.find("duplicate key \"" + std::string(63, 'k') + "... (165 bytes)\"") != std::string::npos);
    CHECK(message.find('\xc3') == std::string::npos);  // no half of the character is left
}

TEST_CASE("strings with control characters are written quoted and read back the same", "[controllers][yaml]") {
    // Found by plan_fuzz: "h\r" was written plain and read back as "h".
    for (const std::string text : {"h\r", "a\tb", "\x01x", "x\x7f", "trailing\r\n"}) {
        INFO(text);
        auto again = parse_yaml_stream(json_to_yaml(Json{{"v", text}}));
        REQUIRE(again.ok());
        CHECK(again->at(0)["v"] == text);
    }
}

TEST_CASE("a YAML stream with a control character YAML does not allow is refused", "[controllers][yaml]") {
    // Found by plan_fuzz: a NUL ended the stream for the reader, so a list
    // item read as something else than the text held.
    auto nul = parse_yaml_stream(std::string("-\0\0-#", 5));
    REQUIRE_FALSE(nul.ok());
    CHECK(nul.error().message.find("control character YAML does not allow at byte 1 (line 1)") != std::string::npos);
    CHECK_FALSE(parse_yaml_stream("a: b\nc: \x01\n").ok());
    CHECK(parse_yaml_stream("a: \"x\\u0001y\"\n")->at(0)["a"] == "x\x01y");  // escaped, it is a string like any
    CHECK(parse_yaml_stream("a:\tb\r\n").ok());
}
