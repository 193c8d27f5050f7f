#include "api/v1alpha1/quantity.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>

#include "api/v1alpha1/field_error.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
// GCC's 128-bit integer: exact arithmetic on nano values up to 2^63 units.
__extension__ typedef unsigned __int128 u128;

constexpr u128 nano_per_unit = 1'000'000'000;
constexpr u128 nano_per_milli = 1'000'000;
constexpr u128 max_nano = static_cast<u128>(std::numeric_limits<std::int64_t>::max()) * nano_per_unit;
constexpr std::size_t max_fraction_digits = 9;
constexpr std::size_t max_exponent_digits = 3;
/// Digits of max_nano (about 9.2e27): a number with more significant digits is larger.
constexpr int max_nano_digits = 28;

/// How the server writes a quantity back: resource.Quantity's Format.
enum class Format { decimal_si, binary_si, decimal_exponent };

struct Suffix {
    Format format = Format::decimal_si;
    int exponent = 0;  // of 10 (decimal) or of 2 (binary)
};

struct Parts {
    std::string_view whole;     // leading zeros stripped; "" for zero
    std::string_view fraction;  // digits after the point, as written
    Suffix suffix;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

kube::ApiError invalid(std::string_view text, std::string_view why) {
    return to_api_error({"", "invalid quantity \"" + std::string(text) + "\": " + std::string(why)});
}

constexpr std::array<std::pair<std::string_view, int>, 10> decimal_suffixes{
    {{"n", -9}, {"u", -6}, {"m", -3}, {"", 0}, {"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}}};
constexpr std::array<std::pair<std::string_view, int>, 6> binary_suffixes{
    {{"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}}};

std::optional<Suffix> read_suffix(std::string_view text) {
    for (const auto& [name, exponent] : decimal_suffixes)
        if (text == name) return Suffix{Format::decimal_si, exponent};
    for (const auto& [name, exponent] : binary_suffixes)
        if (text == name) return Suffix{Format::binary_si, exponent};
    if (text.size() < 2 || (text[0] != 'e' && text[0] != 'E')) return std::nullopt;
    std::size_t i = 1;
    const bool negative = text[i] == '-';
    if (text[i] == '-' || text[i] == '+') ++i;
    const std::string_view digits = text.substr(i);
    if (digits.empty() || digits.size() > max_exponent_digits) return std::nullopt;
    int exponent = 0;
    for (char c : digits) {
        if (!is_digit(c)) return std::nullopt;
        exponent = exponent * 10 + (c - '0');
    }
    return Suffix{Format::decimal_exponent, negative ? -exponent : exponent};
}

std::optional<Parts> split(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && text[i] == '0') ++i;
    const std::size_t whole_start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    Parts out;
    out.whole = text.substr(whole_start, i - whole_start);
    const bool any_whole_digit = i > 0;
    if (i < text.size() && text[i] == '.') {
        const std::size_t start = ++i;
        while (i < text.size() && is_digit(text[i])) ++i;
        out.fraction = text.substr(start, i - start);
        if (out.fraction.size() > max_fraction_digits) return std::nullopt;
        if (!any_whole_digit && out.fraction.empty()) return std::nullopt;
    } else if (!any_whole_digit) {
        return std::nullopt;
    }
    auto suffix = read_suffix(text.substr(i));
    if (!suffix) return std::nullopt;
    out.suffix = *suffix;
    return out;
}

/// The digits as a number, or nullopt when they have more than
/// max_nano_digits significant digits (too large for any use).
std::optional<u128> digits_value(std::string_view digits) {
    std::size_t start = 0;
    while (start < digits.size() && digits[start] == '0') ++start;
    if (digits.size() - start > static_cast<std::size_t>(max_nano_digits)) return std::nullopt;
    u128 value = 0;
    for (std::size_t i = start; i < digits.size(); ++i) value = value * 10 + static_cast<unsigned>(digits[i] - '0');
    return value;
}

u128 power_of_ten(int exponent) {
    u128 out = 1;
    for (int i = 0; i < exponent; ++i) out *= 10;
    return out;
}

/// The value in nano units, rounded up (resource.ParseQuantity rounds up to
/// a nano); nullopt when above max_nano.
std::optional<u128> nano_value(const Parts& parts) {
    const std::string digits = std::string(parts.whole) + std::string(parts.fraction);
    const auto mantissa = digits_value(digits);
    if (!mantissa) return std::nullopt;
    if (*mantissa == 0) return u128{0};
    const int fraction = static_cast<int>(parts.fraction.size());
    if (parts.suffix.format == Format::binary_si) {
        // mantissa * 2^e * 10^9 / 10^fraction; fraction <= 9 keeps every
        // product of a value within bounds below 2^128, so overflow means too large.
        u128 scaled = 0;
        if (__builtin_mul_overflow(*mantissa, nano_per_unit, &scaled)) return std::nullopt;
        if (__builtin_mul_overflow(scaled, u128{1} << parts.suffix.exponent, &scaled)) return std::nullopt;
        const u128 divisor = power_of_ten(fraction);
        const u128 out = scaled / divisor + (scaled % divisor != 0 ? 1 : 0);
        return out <= max_nano ? std::optional(out) : std::nullopt;
    }
    const int shift = parts.suffix.exponent - fraction + 9;  // power of ten from mantissa to nano units
    if (shift >= 0) {
        int significant = 0;
        for (u128 rest = *mantissa; rest != 0; rest /= 10) ++significant;
        if (significant + shift > max_nano_digits) return std::nullopt;
        const u128 out = *mantissa * power_of_ten(shift);
        return out <= max_nano ? std::optional(out) : std::nullopt;
    }
    if (-shift > max_nano_digits) return u128{1};  // a positive value far below a nano rounds up to 1n
    const u128 divisor = power_of_ten(-shift);
    return *mantissa / divisor + (*mantissa % divisor != 0 ? 1 : 0);
}

/// True when the server writes the input text back: resource.ParseQuantity
/// keeps it (its fast path for numbers already in canonical form) and the
/// pod defaults' rounding up to a milli-unit leaves the number as it is
/// (its scale is milli or coarser).
bool server_keeps_text(std::string_view text, const Parts& parts) {
    if (text == "0") return true;
    const std::string_view whole = parts.whole.empty() ? std::string_view("0") : parts.whole;
    const std::size_t digit_count = whole.size() + parts.fraction.size();
    if (parts.suffix.format == Format::binary_si) {
        if (!parts.fraction.empty()) return false;
        const int precision = 15 - static_cast<int>(whole.size()) - parts.suffix.exponent * 3 / 10 - 1;
        if (precision < 0) return false;
        // whole has at most 14 digits here, so it fits in 64 bits.
        std::uint64_t value = 0;
        for (char c : whole) value = value * 10 + static_cast<unsigned>(c - '0');
        // value * 2^e must fit in an int64 for the fast path.
        if (value > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) >> parts.suffix.exponent))
            return false;
        return (value & 0x07) != 0;
    }
    const int precision = 18 - static_cast<int>(digit_count);
    const int scale = parts.suffix.exponent - static_cast<int>(parts.fraction.size());
    if (precision < 0 || scale < -3) return false;
    const std::string shifted = std::string(whole) + std::string(parts.fraction);
    const bool ends_in_000 = shifted.size() >= 3 && shifted.compare(shifted.size() - 3, 3, "000") == 0;
    return scale % 3 == 0 && !ends_in_000 && shifted[0] != '0';
}

std::string to_string(u128 value) {
    if (value == 0) return "0";
    std::string out;
    for (; value != 0; value /= 10) out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    return out;
}

/// resource.Quantity's canonical form of `nano` in `format`.
std::string canonical_text(u128 nano, Format format) {
    if (nano == 0) return "0";
    if (format == Format::binary_si) {
        if (nano < 1024 * nano_per_unit || nano % nano_per_unit != 0) {
            format = Format::decimal_si;  // small or fractional: written in decimal
        } else {
            u128 value = nano / nano_per_unit;
            std::size_t power = 0;  // of 1024
            while (value >= 1024 && value % 1024 == 0) {
                value /= 1024;
                ++power;
            }
            return to_string(value) + (power == 0 ? "" : std::string(binary_suffixes[power - 1].first));
        }
    }
    u128 mantissa = nano;
    int exponent = -9;
    while (mantissa >= 10 && mantissa % 10 == 0) {
        mantissa /= 10;
        ++exponent;
    }
    while (exponent % 3 != 0) {
        mantissa *= 10;
        --exponent;
    }
    if (format == Format::decimal_exponent)
        return to_string(mantissa) + (exponent == 0 ? "" : "e" + std::to_string(exponent));
    for (const auto& [name, power] : decimal_suffixes)
        if (power == exponent) return to_string(mantissa) + std::string(name);
    return to_string(mantissa) + "e" + std::to_string(exponent);  // unreachable below max_nano
}
} // namespace

kube::Result<Quantity> parse_quantity(std::string_view text) {
    if (text.empty()) return invalid(text, "empty (expected e.g. 500m, 2, 128Mi, 1.5Gi)");
    const auto parts = split(text);
    if (!parts)
        return invalid(text, "expected digits with an optional fraction of at most 9 digits and an optional "
                             "suffix n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or e<exponent> "
                             "(e.g. 500m, 2, 128Mi, 1.5Gi)");
    auto nano = nano_value(*parts);
    // resource.ParseQuantity caps a binary-SI value (Ki ... Ei) at 2^63 - 1
    // ("8Ei" is 9223372036854775807): only decimal values can be too large.
    if (!nano && parts->suffix.format == Format::binary_si) nano = max_nano;
    if (!nano) return invalid(text, "too large (at most 9223372036854775807)");
    // Pod defaulting (SetDefaults_ResourceList) rounds every resource up to a
    // milli-unit; max_nano is a whole number of milli-units, so this stays below it.
    *nano = (*nano + nano_per_milli - 1) / nano_per_milli * nano_per_milli;
    Quantity out;
    out.units = static_cast<std::uint64_t>(*nano / nano_per_unit);
    out.nanos = static_cast<std::uint32_t>(*nano % nano_per_unit);
    out.text = server_keeps_text(text, *parts) ? std::string(text) : canonical_text(*nano, parts->suffix.format);
    return out;
}

} // namespace labfleet::api::v1alpha1
