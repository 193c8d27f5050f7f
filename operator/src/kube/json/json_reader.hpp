#pragma once
// A JSON reader for the informers' hot path: it walks the text once and tells
// a handler what it finds, with the events and accept/refuse decisions of
// nlohmann's SAX parser (RFC 8259, UTF-8 checked, a leading BOM skipped,
// integers as unsigned when not negative, floats that overflow refused, a NUL
// byte outside strings read as the end of the text), but
// reads from contiguous memory instead of one character at a time through an
// input adapter, and copies runs of plain characters in one go.
//
// Handler: null(), boolean(bool), number_integer(int64), number_unsigned(uint64),
// number_float(double), string(std::string&), start_object(), key(std::string&),
// end_object(), start_array(), end_array(); each returns true to go on. The
// strings it is handed may be moved from.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace labfleet::kube::json_reader {

/// A number token: what kind it is and its value.
struct Number {
    enum class Kind { Unsigned, Integer, Float } kind = Kind::Unsigned;
    std::uint64_t unsigned_value = 0;
    std::int64_t integer_value = 0;
    double float_value = 0;
};

/// The scanner under read(): each function reads one token where the last
/// one ended, moves past it, and returns false on malformed input.
class Scanner {
public:
    explicit Scanner(std::string_view text);

    /// Skips whitespace; the next character, or 0 at the end (a NUL byte reads as the end too).
    char peek();
    void skip() { ++at_; }
    /// A string from its opening quote, unescaped into `out` (cleared first).
    bool string(std::string& out);
    bool number(Number& out);
    /// `word` (true, false or null) from its first letter.
    bool literal(std::string_view word);

private:
    bool utf8_sequence(std::string& out);
    bool escape(std::string& out);

    const char* at_;
    const char* end_;
    std::string float_text_;  // strtod wants it NUL-terminated
};

/// Reads `text` as one JSON value, telling `handler`; false when the text is
/// not JSON or the handler said stop.
template <class Handler>
bool read(std::string_view text, Handler& handler) {
    Scanner in(text);
    std::vector<bool> in_object;  // the open containers, innermost last
    std::string text_buffer;
    Number number;
    // A member's key and the colon after it.
    auto key = [&] {
        if (in.peek() != '"' || !in.string(text_buffer) || !handler.key(text_buffer) || in.peek() != ':') return false;
        in.skip();
        return true;
    };

    for (;;) {
        // A value.
        bool ok = false;
        switch (in.peek()) {
        case '{':
            in.skip();
            if (!handler.start_object()) return false;
            if (in.peek() == '}') {
                in.skip();
                ok = handler.end_object();
                break;
            }
            if (!key()) return false;
            in_object.push_back(true);
            continue;
        case '[':
            in.skip();
            if (!handler.start_array()) return false;
            if (in.peek() == ']') {
                in.skip();
                ok = handler.end_array();
                break;
            }
            in_object.push_back(false);
            continue;
        case '"': {
            std::string value;
            ok = in.string(value) && handler.string(value);
            break;
        }
        case 't': ok = in.literal("true") && handler.boolean(true); break;
        case 'f': ok = in.literal("false") && handler.boolean(false); break;
        case 'n': ok = in.literal("null") && handler.null(); break;
        default:
            if (!in.number(number)) return false;
            switch (number.kind) {
            case Number::Kind::Unsigned: ok = handler.number_unsigned(number.unsigned_value); break;
            case Number::Kind::Integer: ok = handler.number_integer(number.integer_value); break;
            case Number::Kind::Float: ok = handler.number_float(number.float_value); break;
            }
        }
        if (!ok) return false;

        // After a value: the next one in its container, or the containers it closes.
        for (;;) {
            if (in_object.empty()) return in.peek() == '\0';
            const char next = in.peek();
            if (next == '\0') return false;
            in.skip();
            if (next == ',') {
                if (in_object.back() && !key()) return false;
                break;
            }
            if (next != (in_object.back() ? '}' : ']')) return false;
            if (!(in_object.back() ? handler.end_object() : handler.end_array())) return false;
            in_object.pop_back();
        }
    }
}

} // namespace labfleet::kube::json_reader
