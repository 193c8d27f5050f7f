#include "kube/json/json_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace labfleet::kube::json_reader {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

} // namespace

Scanner::Scanner(std::string_view text) : at_(text.data()), end_(text.data() + text.size()) {
    // A byte order mark is skipped, as nlohmann's lexer does; a partial one is an error later.
    if (text.starts_with("\xEF\xBB\xBF")) at_ += 3;
}

char Scanner::peek() {
    while (at_ != end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
    return at_ == end_ ? '\0' : *at_;
}

bool Scanner::literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - at_) < word.size() || std::string_view(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
}

bool Scanner::string(std::string& out) {
    out.clear();
    ++at_;  // the opening quote
    for (;;) {
        const char* run = at_;
        while (at_ != end_) {
            const auto c = static_cast<unsigned char>(*at_);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
            ++at_;
        }
        out.append(run, at_);
        if (at_ == end_) return false;
        const auto c = static_cast<unsigned char>(*at_);
        if (c == '"') {
            ++at_;
            return true;
        }
        if (c < 0x20) return false;  // control characters must be escaped
        if (c == '\\') {
            ++at_;
            if (!escape(out)) return false;
        } else if (!utf8_sequence(out)) {
            return false;
        }
    }
}

bool Scanner::escape(std::string& out) {
    if (at_ == end_) return false;
    const char c = *at_++;
    switch (c) {
    case '"': out += '"'; return true;
    case '\\': out += '\\'; return true;
    case '/': out += '/'; return true;
    case 'b': out += '\b'; return true;
    case 'f': out += '\f'; return true;
    case 'n': out += '\n'; return true;
    case 'r': out += '\r'; return true;
    case 't': out += '\t'; return true;
    case 'u': break;
    default: return false;
    }
    auto code_unit = [this](std::uint32_t& unit) {
        if (end_ - at_ < 4) return false;
        unit = 0;
        for (int i = 0; i < 4; ++i) {
            const int digit = hex_value(at_[i]);
            if (digit < 0) return false;
            unit = unit * 16 + static_cast<std::uint32_t>(digit);
        }
        at_ += 4;
        return true;
    };
    std::uint32_t code = 0;
    if (!code_unit(code)) return false;
    if (code >= 0xDC00 && code <= 0xDFFF) return false;  // a low surrogate first
    if (code >= 0xD800 && code <= 0xDBFF) {               // a high surrogate: its low half must follow
        std::uint32_t low = 0;
        if (end_ - at_ < 2 || at_[0] != '\\' || at_[1] != 'u') return false;
        at_ += 2;
        if (!code_unit(low) || low < 0xDC00 || low > 0xDFFF) return false;
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, code);
    return true;
}

bool Scanner::utf8_sequence(std::string& out) {
    // RFC 3629 well-formed sequences: the second byte's range depends on the first.
    const auto first = static_cast<unsigned char>(*at_);
    int continuation = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (first >= 0xC2 && first <= 0xDF) {
        continuation = 1;
    } else if (first >= 0xE0 && first <= 0xEF) {
        continuation = 2;
        if (first == 0xE0) low = 0xA0;
        if (first == 0xED) high = 0x9F;
    } else if (first >= 0xF0 && first <= 0xF4) {
        continuation = 3;
        if (first == 0xF0) low = 0x90;
        if (first == 0xF4) high = 0x8F;
    } else {
        return false;
    }
    if (end_ - at_ <= continuation) return false;
    for (int i = 1; i <= continuation; ++i) {
        const auto byte = static_cast<unsigned char>(at_[i]);
        if (byte < low || byte > high) return false;
        low = 0x80;
        high = 0xBF;
    }
    out.append(at_, at_ + continuation + 1);
    at_ += continuation + 1;
    return true;
}

bool Scanner::number(Number& out) {
    const char* start = at_;
    const bool negative = at_ != end_ && *at_ == '-';
    if (negative) ++at_;
    if (at_ == end_ || !is_digit(*at_)) return false;
    if (*at_ == '0') ++at_;
    else
        while (at_ != end_ && is_digit(*at_)) ++at_;
    bool integral = true;
    if (at_ != end_ && *at_ == '.') {
        integral = false;
        ++at_;
        if (at_ == end_ || !is_digit(*at_)) return false;
        while (at_ != end_ && is_digit(*at_)) ++at_;
    }
    if (at_ != end_ && (*at_ == 'e' || *at_ == 'E')) {
        integral = false;
        ++at_;
        if (at_ != end_ && (*at_ == '+' || *at_ == '-')) ++at_;
        if (at_ == end_ || !is_digit(*at_)) return false;
        while (at_ != end_ && is_digit(*at_)) ++at_;
    }
    if (integral) {
        if (negative) {
            out.kind = Number::Kind::Integer;
            if (std::from_chars(start, at_, out.integer_value).ec == std::errc{}) return true;
        } else {
            out.kind = Number::Kind::Unsigned;
            if (std::from_chars(start, at_, out.unsigned_value).ec == std::errc{}) return true;
        }
        // Out of range: read as a float, as nlohmann does.
    }
    out.kind = Number::Kind::Float;
    float_text_.assign(start, at_);
    out.float_value = std::strtod(float_text_.c_str(), nullptr);  // C locale; underflow is accepted, as there
    return std::isfinite(out.float_value);
}

} // namespace labfleet::kube::json_reader
