#pragma once
// LabelSelector: metav1.LabelSelector (matchLabels and matchExpressions with
// In, NotIn, Exists, DoesNotExist), parsed strictly from JSON, matched
// against a label map, and written in the list/watch `labelSelector` form.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kube/json/json.hpp"
#include "kube/client/result.hpp"

namespace labfleet::kube {

using Labels = std::map<std::string, std::string>;

enum class SelectorOperator { In, NotIn, Exists, DoesNotExist };

struct SelectorRequirement {
    std::string key;
    SelectorOperator op = SelectorOperator::Exists;
    std::vector<std::string> values;  // sorted and unique after parsing
    friend bool operator==(const SelectorRequirement&, const SelectorRequirement&) = default;
};

class LabelSelector {
public:
    /// The empty selector: matches every object.
    LabelSelector() = default;
    LabelSelector(Labels match_labels, std::vector<SelectorRequirement> match_expressions)
        : match_labels_(std::move(match_labels)), match_expressions_(std::move(match_expressions)) {}

    /// Parses a metav1.LabelSelector object. Errors (ErrorReason::Decode)
    /// name the offending field under `field_path`, e.g.
    /// "spec.targetSelector.matchExpressions[0].values". Keys and values must
    /// be valid label keys/values, In/NotIn need values, Exists/DoesNotExist
    /// none; a null selector is an error (it would select nothing).
    static Result<LabelSelector> from_json(const Json& json, std::string_view field_path = "");

    /// All requirements hold (AND); the empty selector matches everything.
    bool matches(const Labels& labels) const;
    bool empty() const { return match_labels_.empty() && match_expressions_.empty(); }
    /// "a=b,c in (x,y),d notin (z),e,!f": matchLabels first, then expressions
    /// in their order; "" for the empty selector.
    std::string to_query() const;
    Json to_json() const;

    const Labels& match_labels() const { return match_labels_; }
    const std::vector<SelectorRequirement>& match_expressions() const { return match_expressions_; }
    friend bool operator==(const LabelSelector&, const LabelSelector&) = default;

private:
    Labels match_labels_;
    std::vector<SelectorRequirement> match_expressions_;
};

/// "[prefix/]name": prefix a DNS subdomain, name 1-63 of [A-Za-z0-9_.-]
/// starting and ending alphanumeric.
bool is_label_key(std::string_view key);
/// "" or 1-63 of [A-Za-z0-9_.-] starting and ending alphanumeric.
bool is_label_value(std::string_view value);
std::string_view to_string(SelectorOperator op);

} // namespace labfleet::kube
