#include "api/v1alpha1/field_reader.hpp"

#include <cmath>
#include <limits>

#include "api/v1alpha1/duration.hpp"
#include "kube/meta/time_format.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
std::string type_name(const kube::Json& value) {
    switch (value.type()) {
    case kube::Json::value_t::object: return "object";
    case kube::Json::value_t::array: return "array";
    case kube::Json::value_t::string: return "string";
    case kube::Json::value_t::boolean: return "boolean";
    case kube::Json::value_t::number_float: return "number";
    case kube::Json::value_t::number_integer:
    case kube::Json::value_t::number_unsigned: return "integer";
    default: return "null";
    }
}
} // namespace

std::string index_path(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

FieldReader::FieldReader(const kube::Json* object, std::string path, DecodeState& state)
    : path_(std::move(path)), state_(&state) {
    if (object == nullptr || object->is_null()) return;
    if (!object->is_object()) {
        state_->fail(path_, "expected object, got " + type_name(*object));
        return;
    }
    object_ = object;
}

std::string FieldReader::path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const kube::Json* FieldReader::raw(std::string_view key) const {
    if (object_ == nullptr) return nullptr;
    auto it = object_->find(key);
    if (it == object_->end() || it->is_null()) return nullptr;
    return &*it;
}

bool FieldReader::has(std::string_view key) const { return raw(key) != nullptr; }

std::optional<std::string> FieldReader::optional_string(std::string_view key) const {
    const kube::Json* value = raw(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) {
        state_->fail(path_of(key), "expected string, got " + type_name(*value));
        return std::nullopt;
    }
    return value->get<std::string>();
}

std::string FieldReader::required_string(std::string_view key) const {
    if (!has(key)) {
        state_->fail(path_of(key), "required field is missing");
        return {};
    }
    auto value = optional_string(key);
    if (value && value->empty()) state_->fail(path_of(key), "must not be empty");
    return value.value_or("");
}

std::string FieldReader::string_or(std::string_view key, std::string fallback) const {
    return optional_string(key).value_or(std::move(fallback));
}

std::optional<std::int64_t> FieldReader::optional_integer(std::string_view key, std::int64_t min,
                                                          std::int64_t max) const {
    const kube::Json* value = raw(key);
    if (value == nullptr) return std::nullopt;
    const std::string range = std::to_string(min) + ".." + std::to_string(max);
    std::optional<std::int64_t> number;
    if (value->is_number_integer() && !value->is_number_unsigned()) {
        number = value->get<std::int64_t>();
    } else if (value->is_number_unsigned()) {
        auto u = value->get<std::uint64_t>();
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            number = static_cast<std::int64_t>(u);
    } else if (value->is_number_float()) {
        double d = value->get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15)
            number = static_cast<std::int64_t>(d);
    }
    if (!number || *number < min || *number > max) {
        state_->fail(path_of(key), "expected integer " + range + ", got " +
                                       (value->is_string() ? "\"" + value->get<std::string>() + "\""
                                                           : value->dump()));
        return std::nullopt;
    }
    return number;
}

std::int64_t FieldReader::integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                     std::int64_t max) const {
    return optional_integer(key, min, max).value_or(fallback);
}

bool FieldReader::bool_or(std::string_view key, bool fallback) const {
    const kube::Json* value = raw(key);
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) {
        state_->fail(path_of(key), "expected boolean, got " + type_name(*value));
        return fallback;
    }
    return value->get<bool>();
}

std::optional<std::chrono::milliseconds> FieldReader::optional_duration(std::string_view key) const {
    auto text = optional_string(key);
    if (!text) return std::nullopt;
    auto parsed = parse_duration(*text);
    if (!parsed.ok()) {
        state_->fail(path_of(key), field_error_of(parsed.error()).message);
        return std::nullopt;
    }
    return *parsed;
}

std::optional<kube::WallTime> FieldReader::optional_time(std::string_view key) const {
    auto text = optional_string(key);
    if (!text) return std::nullopt;
    auto parsed = kube::parse_rfc3339(*text);
    if (!parsed) {
        state_->fail(path_of(key), "expected RFC 3339 date-time, got \"" + *text + "\"");
        return std::nullopt;
    }
    return parsed;
}

std::map<std::string, std::string> FieldReader::string_map(std::string_view key) const {
    std::map<std::string, std::string> out;
    const kube::Json* value = raw(key);
    if (value == nullptr) return out;
    if (!value->is_object()) {
        state_->fail(path_of(key), "expected object, got " + type_name(*value));
        return out;
    }
    for (auto it = value->begin(); it != value->end(); ++it) {
        if (!it->is_string()) {
            state_->fail(path_of(key) + "." + it.key(), "expected string, got " + type_name(*it));
            return {};
        }
        out.emplace(it.key(), it->get<std::string>());
    }
    return out;
}

std::vector<std::string> FieldReader::string_list(std::string_view key) const {
    std::vector<std::string> out;
    const std::string base = path_of(key);
    for (std::size_t i = 0; const kube::Json* item : array(key)) {
        if (!item->is_string()) {
            state_->fail(index_path(base, i), "expected string, got " + type_name(*item));
            return {};
        }
        out.push_back(item->get<std::string>());
        ++i;
    }
    return out;
}

const kube::Json* FieldReader::object(std::string_view key, bool required) const {
    const kube::Json* value = raw(key);
    if (value == nullptr) {
        if (required) state_->fail(path_of(key), "required field is missing");
        return nullptr;
    }
    if (!value->is_object()) {
        state_->fail(path_of(key), "expected object, got " + type_name(*value));
        return nullptr;
    }
    return value;
}

std::vector<const kube::Json*> FieldReader::array(std::string_view key, bool required) const {
    std::vector<const kube::Json*> out;
    const kube::Json* value = raw(key);
    if (value == nullptr) {
        if (required) state_->fail(path_of(key), "required field is missing");
        return out;
    }
    if (!value->is_array()) {
        state_->fail(path_of(key), "expected array, got " + type_name(*value));
        return out;
    }
    for (const auto& item : *value) out.push_back(&item);
    return out;
}

} // namespace labfleet::api::v1alpha1
