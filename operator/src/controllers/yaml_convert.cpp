#include "controllers/yaml_convert.hpp"

#include <cstdint>
#include <regex>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace labfleet::controllers {

namespace {
kube::ApiError decode_error(std::string message) {
    kube::ApiError error;
    error.reason = kube::ErrorReason::Decode;
    error.message = std::move(message);
    return error;
}

const std::regex& null_pattern() { static const std::regex re("~|null|Null|NULL|"); return re; }
const std::regex& bool_pattern() { static const std::regex re("true|True|TRUE|false|False|FALSE"); return re; }
const std::regex& int_pattern() { static const std::regex re("[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"); return re; }
const std::regex& float_pattern() {
    static const std::regex re(
        R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
    return re;
}
// YAML 1.1 words yaml-cpp or other readers may take for booleans.
const std::regex& yaml11_bool_pattern() {
    static const std::regex re("y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF");
    return re;
}

kube::Result<kube::Json> plain_scalar(const std::string& text) {
    if (std::regex_match(text, null_pattern())) return kube::Json(nullptr);
    if (std::regex_match(text, bool_pattern())) return kube::Json(text[0] == 't' || text[0] == 'T');
    if (std::regex_match(text, int_pattern())) {
        try {
            std::size_t used = 0;
            if (text.rfind("0x", 0) == 0) return kube::Json(std::stoll(text.substr(2), &used, 16));
            if (text.rfind("0o", 0) == 0) return kube::Json(std::stoll(text.substr(2), &used, 8));
            return kube::Json(std::stoll(text, &used, 10));
        } catch (const std::out_of_range&) {
            return decode_error("integer out of range: " + text);
        }
    }
    if (std::regex_match(text, float_pattern())) {
        if (text.find("inf") != std::string::npos || text.find("Inf") != std::string::npos ||
            text.find("INF") != std::string::npos || text.find("nan") != std::string::npos ||
            text.find("NaN") != std::string::npos || text.find("NAN") != std::string::npos)
            return decode_error("infinity and NaN are not valid in Kubernetes objects: " + text);
        return kube::Json(std::stod(text));
    }
    return kube::Json(text);
}

bool reads_as_other_type(const std::string& text) {
    return std::regex_match(text, null_pattern()) || std::regex_match(text, bool_pattern()) ||
           std::regex_match(text, int_pattern()) || std::regex_match(text, float_pattern()) ||
           std::regex_match(text, yaml11_bool_pattern());
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

void emit(YAML::Emitter& out, const kube::Json& json) {
    switch (json.type()) {
    case kube::Json::value_t::object:
        if (json.empty()) { out << YAML::Flow << YAML::BeginMap << YAML::EndMap; break; }
        out << YAML::BeginMap;
        for (auto it = json.begin(); it != json.end(); ++it) {
            out << YAML::Key;
            emit(out, kube::Json(it.key()));
            out << YAML::Value;
            emit(out, *it);
        }
        out << YAML::EndMap;
        break;
    case kube::Json::value_t::array:
        if (json.empty()) { out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq; break; }
        out << YAML::BeginSeq;
        for (const auto& item : json) emit(out, item);
        out << YAML::EndSeq;
        break;
    case kube::Json::value_t::string: {
        const auto& text = json.get_ref<const std::string&>();
        if (text.find('\n') != std::string::npos && fits_literal_block(text))
            out << YAML::Literal << text.substr(0, text.size());
        else if (reads_as_other_type(text) || text.find('\n') != std::string::npos)
            out << YAML::DoubleQuoted << text;
        else
            out << text;
        break;
    }
    case kube::Json::value_t::boolean: out << json.get<bool>(); break;
    case kube::Json::value_t::number_integer: out << json.get<std::int64_t>(); break;
    case kube::Json::value_t::number_unsigned: out << json.get<std::uint64_t>(); break;
    case kube::Json::value_t::number_float: out << json.dump(); break;
    default: out << YAML::Null; break;
    }
}
} // namespace

kube::Result<kube::Json> yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return kube::Json(nullptr);
    case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        const std::string& text = node.Scalar();
        if (tag == "!" || tag == "tag:yaml.org,2002:str") return kube::Json(text);
        if (tag == "?" || tag.empty()) return plain_scalar(text);
        if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:bool" ||
            tag == "tag:yaml.org,2002:float" || tag == "tag:yaml.org,2002:null")
            return plain_scalar(text);
        return decode_error("unsupported YAML tag " + tag + " at line " + std::to_string(node.Mark().line + 1));
    }
    case YAML::NodeType::Sequence: {
        kube::Json out = kube::Json::array();
        for (const auto& item : node) {
            auto converted = yaml_to_json(item);
            if (!converted.ok()) return converted.error();
            out.push_back(std::move(converted).value());
        }
        return out;
    }
    case YAML::NodeType::Map: {
        kube::Json out = kube::Json::object();
        for (const auto& entry : node) {
            if (!entry.first.IsScalar())
                return decode_error("non-scalar mapping key at line " + std::to_string(entry.first.Mark().line + 1));
            const std::string& key = entry.first.Scalar();
            if (out.contains(key))
                return decode_error("duplicate key \"" + key + "\" at line " + std::to_string(entry.first.Mark().line + 1));
            auto converted = yaml_to_json(entry.second);
            if (!converted.ok()) return converted.error();
            out[key] = std::move(converted).value();
        }
        return out;
    }
    }
    return kube::Json(nullptr);
}

kube::Result<std::vector<kube::Json>> parse_yaml_stream(std::string_view text) {
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
