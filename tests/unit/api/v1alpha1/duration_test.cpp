#include <catch2/catch.hpp>

#include "api/v1alpha1/duration.hpp"
#include "api/v1alpha1/field_error.hpp"

using namespace labfleet::api::v1alpha1;
using namespace std::chrono_literals;

TEST_CASE("parse_duration reads Go-style durations", "[api][duration]") {
    CHECK(*parse_duration("90s") == 90s);
    CHECK(*parse_duration("1h30m") == 90min);
    CHECK(*parse_duration("500ms") == 500ms);
    CHECK(*parse_duration("1.5h") == 90min);
    CHECK(*parse_duration("0.5s") == 500ms);
    CHECK(*parse_duration("1h0m1s") == 1h + 1s);
    CHECK(*parse_duration("2m2ms") == 2min + 2ms);
    CHECK(*parse_duration("0s1ms") == 1ms);
}

TEST_CASE("parse_duration rejects garbage, signs, zero and overflow", "[api][duration]") {
    for (const char* bad : {"", "0s", "0ms", "0.0001s", "-1h", "+1h", "1", "h", "1d", "1 h", " 1h", "1h ",
                            "1.h", ".5h", "1hh", "1H", "1us", "1e3s", "99999999999999999999h", "100000h"}) {
        INFO(bad);
        auto result = parse_duration(bad);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == labfleet::kube::ErrorReason::Decode);
        CHECK(result.error().message.find("invalid duration") != std::string::npos);
    }
    CHECK(field_error_of(parse_duration("0s").error()).message.find("at least 1ms") != std::string::npos);
}

// The CRDs bound durations with CEL's duration(), which is Go's
// time.ParseDuration: the parser must agree with it at both ends.
TEST_CASE("parse_duration agrees with Go on the CRDs' range of 1ms to 87840h", "[api][duration]") {
    CHECK(*parse_duration("1ms") == 1ms);
    CHECK(*parse_duration("87840h") == std::chrono::milliseconds{87840h});
    CHECK(*parse_duration("87839h59m59.999s") == std::chrono::milliseconds{87840h} - 1ms);
    // Go sums the parts in nanoseconds: sub-millisecond parts add up.
    CHECK(*parse_duration("0.9ms0.9ms") == 1ms);
    CHECK(*parse_duration("0.5ms0.5ms") == 1ms);
    CHECK(*parse_duration("1.9ms") == 1ms);
    CHECK(*parse_duration("0.001s") == 1ms);
    CHECK(*parse_duration("0.0000166666666667h") == 60ms);
    // Digits beyond 2^63 in a fraction are ignored, as Go does.
    CHECK(*parse_duration("1.00000000000000000000000000001h") == std::chrono::milliseconds{1h});
    for (const char* bad : {"0.5ms", "0.999999ms", "0.0009s", "87840h1ms", "87840.001h", "87841h", "5271000m"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad).ok());
    }
}

TEST_CASE("format_duration writes what parse_duration reads back", "[api][duration]") {
    CHECK(format_duration(90min) == "1h30m");
    CHECK(format_duration(90s) == "1m30s");
    CHECK(format_duration(500ms) == "500ms");
    CHECK(format_duration(2h + 5s) == "2h5s");
    CHECK(format_duration(0ms) == "0s");
    for (std::chrono::milliseconds d : {1ms, 1001ms, std::chrono::milliseconds{8h}, 3723004ms}) CHECK(*parse_duration(format_duration(d)) == d);
}
