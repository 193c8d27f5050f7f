#include "api/v1alpha1/duration.hpp"

#include <cstdint>
#include <limits>

#include "api/v1alpha1/field_error.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
constexpr std::int64_t ns_per_ms = 1'000'000;
constexpr std::uint64_t max_int64 = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
/// The CRDs' bound (87840h), so that an expiry stays far inside the clock's range.
constexpr std::int64_t max_ms = 10LL * 366 * 24 * 3600 * 1000;
constexpr std::uint64_t max_ns = static_cast<std::uint64_t>(max_ms) * ns_per_ms;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

kube::ApiError invalid(std::string_view text, std::string_view why) {
    return to_api_error({"", "invalid duration \"" + std::string(text) + "\": " + std::string(why) +
                                 " (expected e.g. 90s, 1h30m, 500ms)"});
}
} // namespace

kube::Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    // Go's time.ParseDuration, which the API server's CEL duration() calls, step
    // for step (nanoseconds; a fraction scaled in float64), so that the CRDs'
    // range rule and this parser agree on every value, then truncated to ms.
    if (text.empty()) return invalid(text, "empty");
    std::uint64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::uint64_t whole = 0;
        const std::size_t start = i;
        for (; i < text.size() && is_digit(text[i]); ++i) {
            whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
            if (whole > max_ns) return invalid(text, "too large (at most 87840h)");
        }
        if (i == start) return invalid(text, "expected a number");
        std::uint64_t fraction = 0;
        double scale = 1;
        if (i < text.size() && text[i] == '.') {
            const std::size_t fraction_start = ++i;
            bool overflow = false;  // digits beyond 2^63 change nothing, as in Go
            for (; i < text.size() && is_digit(text[i]); ++i) {
                if (overflow) continue;
                const std::uint64_t next = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
                if (fraction > max_int64 / 10 || next > std::uint64_t{1} << 63) {
                    overflow = true;
                    continue;
                }
                fraction = next;
                scale *= 10;
            }
            if (i == fraction_start) return invalid(text, "expected digits after '.'");
        }
        std::uint64_t unit = 0;
        if (text.substr(i, 2) == "ms") { unit = 1'000'000; i += 2; }
        else if (i < text.size() && text[i] == 's') { unit = 1'000'000'000; ++i; }
        else if (i < text.size() && text[i] == 'm') { unit = 60'000'000'000; ++i; }
        else if (i < text.size() && text[i] == 'h') { unit = 3'600'000'000'000; ++i; }
        else return invalid(text, "expected unit ms, s, m or h");
        if (whole > max_ns / unit) return invalid(text, "too large (at most 87840h)");
        std::uint64_t value = whole * unit;
        if (fraction > 0)
            value += static_cast<std::uint64_t>(static_cast<double>(fraction) * (static_cast<double>(unit) / scale));
        total += value;
        if (total > max_ns) return invalid(text, "too large (at most 87840h)");
    }
    if (total < static_cast<std::uint64_t>(ns_per_ms)) return invalid(text, "must be at least 1ms");
    return std::chrono::milliseconds{static_cast<std::int64_t>(total / ns_per_ms)};
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
