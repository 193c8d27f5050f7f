#include "api/v1alpha1/timestamp.hpp"

#include <chrono>
#include <cstdio>

namespace labfleet::api::v1alpha1 {

namespace {
bool digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        out = out * 10 + (text[i] - '0');
    }
    return true;
}
} // namespace

std::optional<kube::WallTime> parse_timestamp(std::string_view text) {
    using namespace std::chrono;
    int y, mo, d, h, mi, s;
    if (!digits(text, 0, 4, y) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, mo) ||
        text[7] != '-' || !digits(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't') ||
        !digits(text, 11, 2, h) || text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' ||
        !digits(text, 17, 2, s))
        return std::nullopt;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
    std::size_t i = 19;
    nanoseconds fraction{0};
    if (i < text.size() && text[i] == '.') {
        ++i;
        std::size_t start = i;
        std::int64_t scale = 100'000'000;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            fraction += nanoseconds{(text[i] - '0') * scale};
            scale /= 10;
            ++i;
        }
        if (i == start) return std::nullopt;
    }
    minutes offset{0};
    if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
        ++i;
    } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        int oh, om;
        if (!digits(text, i + 1, 2, oh) || i + 3 >= text.size() || text[i + 3] != ':' ||
            !digits(text, i + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset = hours{oh} + minutes{om};
        if (text[i] == '-') offset = -offset;
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != text.size()) return std::nullopt;
    const auto local = sys_days{date} + hours{h} + minutes{mi} + seconds{s};
    return time_point_cast<kube::WallTime::duration>(local - offset + fraction);
}

std::string format_timestamp(kube::WallTime time) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(time);
    const auto days = floor<std::chrono::days>(secs);
    const year_month_day date{days};
    const hh_mm_ss clock{secs - days};
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    return buffer;
}

} // namespace labfleet::api::v1alpha1
