#include <catch2/catch.hpp>

#include "kube/meta/time_format.hpp"

using namespace labfleet::kube;
using namespace std::chrono;

namespace {
WallTime at(long long unix_seconds, long long micros = 0) {
    return WallTime{duration_cast<WallTime::duration>(seconds{unix_seconds} + microseconds{micros})};
}
} // namespace

TEST_CASE("format_rfc3339 writes whole UTC seconds") {
    CHECK(format_rfc3339(at(0)) == "1970-01-01T00:00:00Z");
    CHECK(format_rfc3339(at(1767323045)) == "2026-01-02T03:04:05Z");
    CHECK(format_rfc3339(at(1767323045, 999'999)) == "2026-01-02T03:04:05Z");
    CHECK(format_rfc3339(at(951782400)) == "2000-02-29T00:00:00Z");
}

TEST_CASE("format_rfc3339_micro writes six fractional digits") {
    CHECK(format_rfc3339_micro(at(1767323045)) == "2026-01-02T03:04:05.000000Z");
    CHECK(format_rfc3339_micro(at(1767323045, 42)) == "2026-01-02T03:04:05.000042Z");
    CHECK(format_rfc3339_micro(at(1767323045, 123456)) == "2026-01-02T03:04:05.123456Z");
}

TEST_CASE("parse_rfc3339 reads UTC, fractions and offsets") {
    CHECK(parse_rfc3339("2026-01-02T03:04:05Z") == at(1767323045));
    CHECK(parse_rfc3339("2026-01-02t03:04:05z") == at(1767323045));
    CHECK(parse_rfc3339("2026-01-02T03:04:05.5Z") == at(1767323045, 500'000));
    CHECK(parse_rfc3339("2026-01-02T03:04:05.000042Z") == at(1767323045, 42));
    CHECK(parse_rfc3339("2026-01-02T03:04:05.123456789123Z") ==
          WallTime{duration_cast<WallTime::duration>(seconds{1767323045} + nanoseconds{123456789})});
    CHECK(parse_rfc3339("2026-01-02T05:04:05+02:00") == at(1767323045));
    CHECK(parse_rfc3339("2026-01-01T22:34:05-04:30") == at(1767323045));
}

TEST_CASE("parse_rfc3339 round-trips what format writes") {
    const WallTime t = at(1767323045, 654321);
    CHECK(parse_rfc3339(format_rfc3339_micro(t)) == t);
    CHECK(parse_rfc3339(format_rfc3339(t)) == at(1767323045));
}

TEST_CASE("parse_rfc3339 refuses malformed or out-of-range text") {
    for (const char* bad : {"", "2026-01-02", "2026-01-02T03:04:05", "2026-01-02 03:04:05Z", "2026-13-02T03:04:05Z",
                            "2026-02-30T03:04:05Z", "2026-01-02T24:00:00Z", "2026-01-02T03:60:00Z",
                            "2026-01-02T03:04:60Z", "2026-01-02T03:04:05.Z", "2026-01-02T03:04:05+0200",
                            "2026-01-02T03:04:05Zjunk", "2026-1-02T03:04:05Z", "20x6-01-02T03:04:05Z"}) {
        INFO(bad);
        CHECK_FALSE(parse_rfc3339(bad).has_value());
    }
}

TEST_CASE("parse_rfc3339 refuses valid dates a WallTime cannot hold instead of overflowing") {
    // Nanoseconds in 64 bits reach from 1677-09-21 to 2262-04-11.
    for (const char* far : {"1012-05-03T00:00:00Z", "0000-01-01T00:00:00Z", "1677-09-21T00:00:00Z",
                            "2262-04-12T00:00:00Z", "9999-12-31T23:59:59.999999999-23:59"}) {
        INFO(far);
        CHECK_FALSE(parse_rfc3339(far).has_value());
    }
    CHECK(parse_rfc3339("1700-01-01T00:00:00Z") == at(-8'520'336'000));
    CHECK(parse_rfc3339("2262-04-10T00:00:00Z") == at(9'223'200'000));
}
