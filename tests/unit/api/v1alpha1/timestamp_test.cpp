#include <catch2/catch.hpp>

#include "api/v1alpha1/timestamp.hpp"

using namespace labfleet::api::v1alpha1;
using namespace std::chrono;

TEST_CASE("timestamps round-trip in RFC 3339 UTC", "[api][timestamp]") {
    const auto t = parse_timestamp("2023-11-14T22:13:20Z");
    REQUIRE(t);
    CHECK(duration_cast<seconds>(t->time_since_epoch()).count() == 1'700'000'000);
    CHECK(format_timestamp(*t) == "2023-11-14T22:13:20Z");
    CHECK(format_timestamp(*t + milliseconds{999}) == "2023-11-14T22:13:20Z");
    CHECK(parse_timestamp("2023-11-15T00:13:20+02:00") == t);
    CHECK(parse_timestamp("2023-11-14T21:13:20-01:00") == t);
    CHECK(*parse_timestamp("2023-11-14T22:13:20.5Z") == *t + milliseconds{500});
    CHECK(format_timestamp(labfleet::kube::WallTime{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("malformed timestamps are refused", "[api][timestamp]") {
    for (const char* bad : {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z",
                            "2023-02-30T00:00:00Z", "2023-11-14 22:13:20Z", "2023-11-14T22:13:20.Z",
                            "2023-11-14T22:13:20Zjunk", "2023-11-14T24:00:00Z", "2023-11-14T22:13:20+0200"}) {
        INFO(bad);
        CHECK_FALSE(parse_timestamp(bad).has_value());
    }
}
