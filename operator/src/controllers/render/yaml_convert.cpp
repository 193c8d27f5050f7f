#include "controllers/render/yaml_convert.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "kube/util/text.hpp"

namespace labfleet::controllers {

namespace {
kube::ApiError decode_error(std::string message) {
    kube::ApiError error;
    error.reason = kube::ErrorReason::Decode;
    error.message = std::move(message);
    return error;
}

// How a plain (untagged, unquoted) scalar reads under the YAML 1.2 core
// schema. Classification is one left-to-right pass with no backtracking, so
// its cost and stack use are the same for a 10-byte and a 1 MB scalar.
enum class PlainKind { Null, Bool, Int, Float, NotFinite, Text };

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

template <class Predicate>
std::size_t skip_while(std::string_view text, std::size_t at, Predicate predicate) {
    while (at < text.size() && predicate(text[at])) ++at;
    return at;
}

bool one_of(std::string_view text, std::initializer_list<std::string_view> words) {
    for (std::string_view word : words)
        if (text == word) return true;
    return false;
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`; `decimal_int` is set
/// when it is `[-+]?[0-9]+` alone.
bool is_decimal_number(std::string_view text, bool& decimal_int) {
    std::size_t at = 0;
    if (at < text.size() && (text[at] == '-' || text[at] == '+')) ++at;
    const std::size_t int_start = at;
    at = skip_while(text, at, is_digit);
    const bool has_int = at > int_start;
    bool has_fraction = false;
    if (at < text.size() && text[at] == '.') {
        const std::size_t fraction_start = ++at;
        at = skip_while(text, at, is_digit);
        has_fraction = at > fraction_start;
        if (!has_int && !has_fraction) return false;  // "." or "-."
    } else if (!has_int) {
        return false;
    }
    decimal_int = at == text.size() && has_int && at == skip_while(text, int_start, is_digit);
    if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
        ++at;
        if (at < text.size() && (text[at] == '-' || text[at] == '+')) ++at;
        const std::size_t exponent_start = at;
        at = skip_while(text, at, is_digit);
        if (at == exponent_start) return false;
    }
    return at == text.size();
}

/// `0o[0-7]+` or `0x[0-9a-fA-F]+`: the base, or 0 when it is neither.
int prefixed_int_base(std::string_view text) {
    if (text.size() < 3 || text[0] != '0') return 0;
    if (text[1] == 'o' && skip_while(text, 2, is_octal) == text.size()) return 8;
    if (text[1] == 'x' && skip_while(text, 2, is_hex) == text.size()) return 16;
    return 0;
}

PlainKind classify_plain(std::string_view text) {
    if (one_of(text, {"", "~", "null", "Null", "NULL"})) return PlainKind::Null;
    if (one_of(text, {"true", "True", "TRUE", "false", "False", "FALSE"})) return PlainKind::Bool;
    if (prefixed_int_base(text) != 0) return PlainKind::Int;
    bool decimal_int = false;
    if (is_decimal_number(text, decimal_int)) return decimal_int ? PlainKind::Int : PlainKind::Float;
    std::string_view unsigned_text = text;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) unsigned_text.remove_prefix(1);
    if (one_of(unsigned_text, {".inf", ".Inf", ".INF"}) || one_of(text, {".nan", ".NaN", ".NAN"}))
        return PlainKind::NotFinite;
    return PlainKind::Text;
}

// YAML 1.1 words yaml-cpp or other readers may take for booleans.
bool is_yaml11_bool(std::string_view text) {
    return one_of(text, {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
                         "OFF"});
}

/// At most the first 64 bytes of a user's scalar, for an error message.
std::string excerpt(std::string_view text) {
    constexpr std::size_t limit = 64;
    if (text.size() <= limit) return std::string(text);
    return kube::truncate_utf8(text, limit) + "... (" + std::to_string(text.size()) + " bytes)";
}

kube::Result<kube::Json> plain_scalar(const std::string& text) {
    switch (classify_plain(text)) {
    case PlainKind::Null: return kube::Json(nullptr);
    case PlainKind::Bool: return kube::Json(text[0] == 't' || text[0] == 'T');
    case PlainKind::Int: {
        const int base = prefixed_int_base(text);
        const char* digits = text.c_str() + (base == 0 ? 0 : 2);
        errno = 0;
        char* end = nullptr;
        const long long value = std::strtoll(digits, &end, base == 0 ? 10 : base);
        if (errno == ERANGE) return decode_error("integer out of range: " + excerpt(text));
        return kube::Json(static_cast<std::int64_t>(value));
    }
    case PlainKind::Float: {
        errno = 0;
        const double value = std::strtod(text.c_str(), nullptr);
        if (errno == ERANGE && std::isinf(value)) return decode_error("number out of range: " + excerpt(text));
        return kube::Json(value);
    }
    case PlainKind::NotFinite:
        return decode_error("infinity and NaN are not valid in Kubernetes objects: " + text);
    case PlainKind::Text: break;
    }
    return kube::Json(text);
}

kube::Result<kube::Json> scalar_to_json(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return kube::Json(text);
    if (tag == "?" || tag.empty()) return plain_scalar(text);
    if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:float" ||
        tag == "tag:yaml.org,2002:null")
        return plain_scalar(text);
    return decode_error("unsupported YAML tag " + excerpt(tag) + " at line " + std::to_string(node.Mark().line + 1));
}

bool reads_as_other_type(const std::string& text) {
    return classify_plain(text) != PlainKind::Text || is_yaml11_bool(text);
}

// A literal block reads back exactly when the text ends in one newline, has no
// other trailing newline, no leading space on the first line, no tabs or CRs
// and only printable ASCII or UTF-8.
bool fits_literal_block(const std::string& text) {
    if (text.size() < 2 || text.back() != '\n' || text[text.size() - 2] == '\n') return false;
    if (text.front() == ' ' || text.front() == '\n') return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\t' || c == '\r' || (c < 0x20 && c != '\n') || c == 0x7f) return false;
        if (c == ' ' && i + 1 < text.size() && text[i + 1] == '\n') return false;  // trailing spaces
    }
    return true;
}

/// A control character (a line break included): a plain scalar cannot carry
/// it and read back the same ("h\r" reads as "h").
bool has_control_character(const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
}

void emit_string(YAML::Emitter& out, const std::string& text) {
    if (text.find('\n') != std::string::npos && fits_literal_block(text))
        out << YAML::Literal << text;
    else if (reads_as_other_type(text) || has_control_character(text))
        out << YAML::DoubleQuoted << text;
    else
        out << text;
}

/// A scalar, or an empty object or array (written in flow style: {} and []).
void emit_leaf(YAML::Emitter& out, const kube::Json& json) {
    switch (json.type()) {
    case kube::Json::value_t::object: out << YAML::Flow << YAML::BeginMap << YAML::EndMap; break;
    case kube::Json::value_t::array: out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq; break;
    case kube::Json::value_t::string: emit_string(out, json.get_ref<const std::string&>()); break;
    case kube::Json::value_t::boolean: out << json.get<bool>(); break;
    case kube::Json::value_t::number_integer: out << json.get<std::int64_t>(); break;
    case kube::Json::value_t::number_unsigned: out << json.get<std::uint64_t>(); break;
    case kube::Json::value_t::number_float: out << json.dump(); break;
    default: out << YAML::Null; break;
    }
}

/// Writes `root` depth-first with an explicit stack: user JSON may nest as
/// deep as the API server allows, and the stack of the thread must not care.
void emit(YAML::Emitter& out, const kube::Json& root) {
    struct Open {
        const kube::Json* container;
        kube::Json::const_iterator next;
    };
    std::vector<Open> open;
    const auto enter = [&](const kube::Json& value) {
        if (value.is_structured() && !value.empty()) {
            out << (value.is_object() ? YAML::BeginMap : YAML::BeginSeq);
            open.push_back({&value, value.begin()});
        } else {
            emit_leaf(out, value);
        }
    };
    enter(root);
    while (!open.empty()) {
        Open& top = open.back();
        if (top.next == top.container->end()) {
            out << (top.container->is_object() ? YAML::EndMap : YAML::EndSeq);
            open.pop_back();
            continue;
        }
        const kube::Json& child = *top.next;
        if (top.container->is_object()) {
            out << YAML::Key;
            emit_string(out, top.next.key());
            out << YAML::Value;
        }
        ++top.next;  // before enter(): it may grow `open` and move `top`
        enter(child);
    }
}
} // namespace

kube::Result<kube::Json> yaml_to_json(const YAML::Node& root) {
    // Depth-first with an explicit stack, as emit(). Each open container's
    // JSON stays where it is while its children are added: only the innermost
    // container grows.
    struct Open {
        YAML::const_iterator next, end;
        kube::Json* out;
        bool is_map;
    };
    std::vector<Open> open;
    const auto place = [&](const YAML::Node& node, kube::Json& slot) -> std::optional<kube::ApiError> {
        switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null: slot = nullptr; return std::nullopt;
        case YAML::NodeType::Scalar: {
            auto value = scalar_to_json(node);
            if (!value.ok()) return value.error();
            slot = std::move(value).value();
            return std::nullopt;
        }
        case YAML::NodeType::Sequence:
            slot = kube::Json::array();
            open.push_back({node.begin(), node.end(), &slot, false});
            return std::nullopt;
        case YAML::NodeType::Map:
            slot = kube::Json::object();
            open.push_back({node.begin(), node.end(), &slot, true});
            return std::nullopt;
        }
        return std::nullopt;
    };
    kube::Json result;
    if (auto error = place(root, result)) return *error;
    while (!open.empty()) {
        Open& top = open.back();
        if (top.next == top.end) {
            open.pop_back();
            continue;
        }
        const auto entry = *top.next;
        ++top.next;  // before place(): it may grow `open` and move `top`
        kube::Json& container = *top.out;
        if (!top.is_map) {
            container.push_back(nullptr);
            if (auto error = place(entry, container.back())) return *error;
            continue;
        }
        if (!entry.first.IsScalar())
            return decode_error("non-scalar mapping key at line " + std::to_string(entry.first.Mark().line + 1));
        const std::string& key = entry.first.Scalar();
        if (container.contains(key))
            return decode_error("duplicate key \"" + excerpt(key) + "\" at line " +
                                std::to_string(entry.first.Mark().line + 1));
        if (auto error = place(entry.second, container[key])) return *error;
    }
    return result;
}

namespace {
/// The offset of the first byte of `text` that is not part of well-formed
/// UTF-8 (RFC 3629: no overlongs, surrogates or code points past U+10FFFF),
/// or npos. JSON, and so every object the API server stores, is UTF-8.
std::size_t first_invalid_utf8(std::string_view text) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    std::size_t at = 0;
    while (at < text.size()) {
        const unsigned char lead = byte(at);
        if (lead < 0x80) {
            ++at;
            continue;
        }
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) low = 0xA0;   // no overlongs
            if (lead == 0xED) high = 0x9F;  // no surrogates
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) low = 0x90;   // no overlongs
            if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
        } else {
            return at;
        }
        if (at + length > text.size() || byte(at + 1) < low || byte(at + 1) > high) return at;
        for (std::size_t i = 2; i < length; ++i)
            if ((byte(at + i) & 0xC0) != 0x80) return at;
        at += length;
    }
    return std::string_view::npos;
}
} // namespace

kube::Result<std::vector<kube::Json>> parse_yaml_stream(std::string_view text) {
    const auto where = [&](std::size_t at) {
        return "at byte " + std::to_string(at) + " (line " +
               std::to_string(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1) + ")";
    };
    if (const std::size_t bad = first_invalid_utf8(text); bad != std::string_view::npos)
        return decode_error("not UTF-8 " + where(bad));
    // YAML's printable characters exclude the C0 controls but tab, LF and CR
    // (a NUL would end the stream for the reader); escapes still write them.
    // DEL is let through: the writer puts it in quotes as it is.
    const auto control = std::find_if(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 && c != '\t' && c != '\n' && c != '\r';
    });
    if (control != text.end())
        return decode_error("a control character YAML does not allow " +
                            where(static_cast<std::size_t>(control - text.begin())));
    std::vector<YAML::Node> nodes;
    try {
        nodes = YAML::LoadAll(std::string(text));
    } catch (const YAML::Exception& error) {
        return decode_error("YAML syntax error at line " + std::to_string(error.mark.line + 1) + ": " + error.msg);
    }
    std::vector<kube::Json> out;
    for (const auto& node : nodes) {
        auto converted = yaml_to_json(node);
        if (!converted.ok()) return converted.error();
        out.push_back(std::move(converted).value());
    }
    return out;
}

std::string json_to_yaml(const kube::Json& json) {
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetSeqFormat(YAML::Block);
    emit(out, json);
    std::string text = out.c_str();
    if (text.empty() || text.back() != '\n') text += '\n';
    return text;
}

} // namespace labfleet::controllers
