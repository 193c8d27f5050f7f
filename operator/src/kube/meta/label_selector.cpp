#include "kube/meta/label_selector.hpp"

#include <algorithm>

namespace labfleet::kube {

namespace {
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool is_qualified_name_part(std::string_view text) {
    if (text.empty() || text.size() > 63 || !is_alnum(text.front()) || !is_alnum(text.back())) return false;
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool is_dns_subdomain(std::string_view text) {
    if (text.empty() || text.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = text.find('.', start);
        const std::string_view part = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
        // As Kubernetes' IsDNS1123Subdomain: no limit per part, 253 in all.
        if (part.empty() || part.front() == '-' || part.back() == '-') return false;
        for (char c : part)
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

ApiError field_error(std::string field, std::string message) {
    ApiError error;
    error.reason = ErrorReason::Decode;
    error.message = field.empty() ? message : field + ": " + message;
    error.causes.push_back({std::move(field), "FieldValueInvalid", std::move(message)});
    return error;
}

std::string join_path(std::string_view base, std::string_view key) {
    return base.empty() ? std::string(key) : std::string(base) + "." + std::string(key);
}

std::string join_values(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& value : values) {
        if (!out.empty()) out += ",";
        out += value;
    }
    return out;
}
} // namespace

bool is_label_key(std::string_view key) {
    const std::size_t slash = key.find('/');
    if (slash == std::string_view::npos) return is_qualified_name_part(key);
    return is_dns_subdomain(key.substr(0, slash)) && is_qualified_name_part(key.substr(slash + 1));
}

bool is_label_value(std::string_view value) { return value.empty() || is_qualified_name_part(value); }

std::string_view to_string(SelectorOperator op) {
    switch (op) {
    case SelectorOperator::In: return "In";
    case SelectorOperator::NotIn: return "NotIn";
    case SelectorOperator::Exists: return "Exists";
    case SelectorOperator::DoesNotExist: return "DoesNotExist";
    }
    return "?";
}

Result<LabelSelector> LabelSelector::from_json(const Json& json, std::string_view field_path) {
    const std::string base(field_path);
    if (!json.is_object()) return field_error(base, "expected a label selector object");
    Labels labels;
    std::vector<SelectorRequirement> expressions;
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it.key() != "matchLabels" && it.key() != "matchExpressions")
            return field_error(join_path(base, it.key()), "unknown field (expected matchLabels or matchExpressions)");
    }
    if (auto it = json.find("matchLabels"); it != json.end() && !it->is_null()) {
        const std::string path = join_path(base, "matchLabels");
        if (!it->is_object()) return field_error(path, "expected an object of label key to value");
        for (auto label = it->begin(); label != it->end(); ++label) {
            const std::string label_path = path + "." + label.key();
            if (!is_label_key(label.key())) return field_error(label_path, "invalid label key");
            if (!label->is_string()) return field_error(label_path, "expected string value");
            const auto value = label->get<std::string>();
            if (!is_label_value(value)) return field_error(label_path, "invalid label value \"" + value + "\"");
            labels.emplace(label.key(), value);
        }
    }
    if (auto it = json.find("matchExpressions"); it != json.end() && !it->is_null()) {
        const std::string path = join_path(base, "matchExpressions");
        if (!it->is_array()) return field_error(path, "expected array");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const Json& item = (*it)[i];
            const std::string item_path = path + "[" + std::to_string(i) + "]";
            if (!item.is_object()) return field_error(item_path, "expected object");
            SelectorRequirement requirement;
            auto key = item.find("key");
            if (key == item.end() || !key->is_string()) return field_error(item_path + ".key", "required string");
            requirement.key = key->get<std::string>();
            if (!is_label_key(requirement.key))
                return field_error(item_path + ".key", "invalid label key \"" + requirement.key + "\"");
            auto op = item.find("operator");
            if (op == item.end() || !op->is_string())
                return field_error(item_path + ".operator", "required: In, NotIn, Exists or DoesNotExist");
            const auto op_name = op->get<std::string>();
            if (op_name == "In") requirement.op = SelectorOperator::In;
            else if (op_name == "NotIn") requirement.op = SelectorOperator::NotIn;
            else if (op_name == "Exists") requirement.op = SelectorOperator::Exists;
            else if (op_name == "DoesNotExist") requirement.op = SelectorOperator::DoesNotExist;
            else return field_error(item_path + ".operator", "unknown operator \"" + op_name +
                                                                "\" (expected In, NotIn, Exists or DoesNotExist)");
            if (auto values = item.find("values"); values != item.end() && !values->is_null()) {
                if (!values->is_array()) return field_error(item_path + ".values", "expected array of strings");
                for (std::size_t v = 0; v < values->size(); ++v) {
                    const std::string value_path = item_path + ".values[" + std::to_string(v) + "]";
                    if (!(*values)[v].is_string()) return field_error(value_path, "expected string");
                    auto value = (*values)[v].get<std::string>();
                    if (!is_label_value(value))
                        return field_error(value_path, "invalid label value \"" + value + "\"");
                    requirement.values.push_back(std::move(value));
                }
            }
            const bool needs_values = requirement.op == SelectorOperator::In || requirement.op == SelectorOperator::NotIn;
            if (needs_values && requirement.values.empty())
                return field_error(item_path + ".values", "must be non-empty for operator " + op_name);
            if (!needs_values && !requirement.values.empty())
                return field_error(item_path + ".values", "must be empty for operator " + op_name);
            std::sort(requirement.values.begin(), requirement.values.end());
            requirement.values.erase(std::unique(requirement.values.begin(), requirement.values.end()),
                                     requirement.values.end());
            expressions.push_back(std::move(requirement));
        }
    }
    return LabelSelector(std::move(labels), std::move(expressions));
}

bool LabelSelector::matches(const Labels& labels) const {
    for (const auto& [key, value] : match_labels_) {
        auto it = labels.find(key);
        if (it == labels.end() || it->second != value) return false;
    }
    for (const auto& requirement : match_expressions_) {
        auto it = labels.find(requirement.key);
        const bool present = it != labels.end();
        const bool listed = present && std::binary_search(requirement.values.begin(), requirement.values.end(), it->second);
        switch (requirement.op) {
        case SelectorOperator::In: if (!listed) return false; break;
        case SelectorOperator::NotIn: if (listed) return false; break;  // absent key satisfies NotIn
        case SelectorOperator::Exists: if (!present) return false; break;
        case SelectorOperator::DoesNotExist: if (present) return false; break;
        }
    }
    return true;
}

std::string LabelSelector::to_query() const {
    std::vector<std::string> parts;
    for (const auto& [key, value] : match_labels_) parts.push_back(key + "=" + value);
    for (const auto& requirement : match_expressions_) {
        switch (requirement.op) {
        case SelectorOperator::In: parts.push_back(requirement.key + " in (" + join_values(requirement.values) + ")"); break;
        case SelectorOperator::NotIn: parts.push_back(requirement.key + " notin (" + join_values(requirement.values) + ")"); break;
        case SelectorOperator::Exists: parts.push_back(requirement.key); break;
        case SelectorOperator::DoesNotExist: parts.push_back("!" + requirement.key); break;
        }
    }
    return join_values(parts);
}

Json LabelSelector::to_json() const {
    Json out = Json::object();
    if (!match_labels_.empty()) out["matchLabels"] = match_labels_;
    if (!match_expressions_.empty()) {
        Json expressions = Json::array();
        for (const auto& requirement : match_expressions_) {
            Json item = {{"key", requirement.key}, {"operator", std::string(to_string(requirement.op))}};
            if (!requirement.values.empty()) item["values"] = requirement.values;
            expressions.push_back(std::move(item));
        }
        out["matchExpressions"] = std::move(expressions);
    }
    return out;
}

} // namespace labfleet::kube
