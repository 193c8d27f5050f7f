#include "api/v1alpha1/duration.hpp"

#include <cstdint>

#include "api/v1alpha1/field_error.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
constexpr std::int64_t max_ms = 10LL * 366 * 24 * 3600 * 1000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

kube::ApiError invalid(std::string_view text, std::string_view why) {
    return to_api_error({"", "invalid duration \"" + std::string(text) + "\": " + std::string(why) +
                                 " (expected e.g. 90s, 1h30m, 500ms)"});
}
} // namespace

kube::Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text.empty()) return invalid(text, "empty");
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t whole = 0;
        std::size_t start = i;
        while (i < text.size() && is_digit(text[i])) {
            whole = whole * 10 + (text[i] - '0');
            if (whole > max_ms) return invalid(text, "too large");
            ++i;
        }
        if (i == start) return invalid(text, "expected a number");
        std::int64_t frac_num = 0, frac_den = 1;
        if (i < text.size() && text[i] == '.') {
            ++i;
            std::size_t frac_start = i;
            while (i < text.size() && is_digit(text[i])) {
                if (frac_den < 1'000'000'000) {  // digits past 1e-9 cannot matter at ms resolution
                    frac_num = frac_num * 10 + (text[i] - '0');
                    frac_den *= 10;
                }
                ++i;
            }
            if (i == frac_start) return invalid(text, "expected digits after '.'");
        }
        std::int64_t unit_ms = 0;
        if (text.substr(i, 2) == "ms") { unit_ms = 1; i += 2; }
        else if (i < text.size() && text[i] == 's') { unit_ms = 1000; ++i; }
        else if (i < text.size() && text[i] == 'm') { unit_ms = 60'000; ++i; }
        else if (i < text.size() && text[i] == 'h') { unit_ms = 3'600'000; ++i; }
        else return invalid(text, "expected unit ms, s, m or h");
        if (whole > max_ms / unit_ms) return invalid(text, "too large");
        total += whole * unit_ms + frac_num * unit_ms / frac_den;
        if (total > max_ms) return invalid(text, "too large");
    }
    if (total <= 0) return invalid(text, "must be greater than zero");
    return std::chrono::milliseconds{total};
}

std::string format_duration(std::chrono::milliseconds duration) {
    std::int64_t ms = duration.count();
    if (ms == 0) return "0s";
    std::string out;
    if (ms < 0) { out = "-"; ms = -ms; }
    const std::int64_t h = ms / 3'600'000, m = ms / 60'000 % 60, s = ms / 1000 % 60, rest = ms % 1000;
    if (h) out += std::to_string(h) + "h";
    if (m) out += std::to_string(m) + "m";
    if (s) out += std::to_string(s) + "s";
    if (rest) out += std::to_string(rest) + "ms";
    return out;
}

} // namespace labfleet::api::v1alpha1
