#include "kube/meta/time_format.hpp"

#include <cstdio>

namespace labfleet::kube {
namespace {

using namespace std::chrono;

/// Splits a time into its civil UTC date, time of day and sub-second part.
struct CivilTime {
    year_month_day date;
    hh_mm_ss<seconds> time;
    nanoseconds fraction;
};

CivilTime to_civil(WallTime t) {
    const auto ns = time_point_cast<nanoseconds>(t);
    const auto day = floor<days>(ns);
    const auto secs = floor<seconds>(ns);
    return {year_month_day{day}, hh_mm_ss<seconds>{secs - day}, ns - secs};
}

std::string format(WallTime t, bool micro) {
    const CivilTime c = to_civil(t);
    char buf[48];
    const int year = static_cast<int>(c.date.year());
    const unsigned month = static_cast<unsigned>(c.date.month());
    const unsigned day = static_cast<unsigned>(c.date.day());
    const auto h = static_cast<int>(c.time.hours().count());
    const auto m = static_cast<int>(c.time.minutes().count());
    const auto s = static_cast<int>(c.time.seconds().count());
    int n = 0;
    if (micro) {
        const auto us = static_cast<long>(duration_cast<microseconds>(c.fraction).count());
        n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06ldZ", year, month, day, h, m, s, us);
    } else {
        n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", year, month, day, h, m, s);
    }
    return std::string(buf, static_cast<std::size_t>(n));
}

/// Reads exactly `width` decimal digits at `pos`, advancing it.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t width) {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char ch = text[pos + i];
        if (ch < '0' || ch > '9') return std::nullopt;
        value = value * 10 + (ch - '0');
    }
    pos += width;
    return value;
}

bool expect(std::string_view text, std::size_t& pos, char a, char b = '\0') {
    if (pos >= text.size() || (text[pos] != a && (b == '\0' || text[pos] != b))) return false;
    ++pos;
    return true;
}

} // namespace

std::string format_rfc3339(WallTime t) { return format(t, false); }

std::string format_rfc3339_micro(WallTime t) { return format(t, true); }

std::optional<WallTime> parse_rfc3339(std::string_view text) {
    std::size_t pos = 0;
    const auto year = digits(text, pos, 4);
    if (!year || !expect(text, pos, '-')) return std::nullopt;
    const auto month = digits(text, pos, 2);
    if (!month || !expect(text, pos, '-')) return std::nullopt;
    const auto day = digits(text, pos, 2);
    if (!day || !expect(text, pos, 'T', 't')) return std::nullopt;
    const auto hour = digits(text, pos, 2);
    if (!hour || !expect(text, pos, ':')) return std::nullopt;
    const auto minute = digits(text, pos, 2);
    if (!minute || !expect(text, pos, ':')) return std::nullopt;
    const auto second = digits(text, pos, 2);
    if (!second) return std::nullopt;

    const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                              std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;

    nanoseconds fraction{0};
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        long long value = 0;
        std::size_t used = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (used < 9) {
                value = value * 10 + (text[pos] - '0');
                ++used;
            }
            ++pos;
        }
        if (pos == start) return std::nullopt;
        for (; used < 9; ++used) value *= 10;
        fraction = nanoseconds{value};
    }

    minutes offset{0};
    if (expect(text, pos, 'Z', 'z')) {
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const bool negative = text[pos] == '-';
        ++pos;
        const auto oh = digits(text, pos, 2);
        if (!oh || !expect(text, pos, ':')) return std::nullopt;
        const auto om = digits(text, pos, 2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset = hours{*oh} + minutes{*om};
        if (negative) offset = -offset;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;

    // Whole seconds first: WallTime counts nanoseconds in 64 bits (about the
    // years 1678 to 2262), so a valid date outside that range cannot be held.
    const seconds since_epoch =
        (sys_days{date} + hours{*hour} + minutes{*minute} + seconds{*second} - offset).time_since_epoch();
    constexpr seconds limit = duration_cast<seconds>(WallTime::duration::max()) - seconds{1};
    if (since_epoch > limit || since_epoch < -limit) return std::nullopt;
    return WallTime{duration_cast<WallTime::duration>(since_epoch + fraction)};
}

} // namespace labfleet::kube
