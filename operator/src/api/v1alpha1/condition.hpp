#pragma once
// metav1.Condition, read from and written into the status of every kind.

#include <cstdint>
#include <string>
#include <vector>

#include "api/v1alpha1/field_reader.hpp"
#include "kube/util/clock.hpp"
#include "kube/json/json.hpp"

namespace labfleet::api::v1alpha1 {

struct Condition {
    std::string type;    // "Ready"
    std::string status;  // "True" | "False" | "Unknown"
    std::int64_t observed_generation = 0;
    kube::WallTime last_transition_time{};
    std::string reason;  // CamelCase, e.g. "TargetNotFound"
    std::string message;
    friend bool operator==(const Condition&, const Condition&) = default;
};

/// Reads `key` of `parent` as a list of conditions.
std::vector<Condition> decode_conditions(const FieldReader& parent, std::string_view key);
kube::Json to_json(const Condition& condition);
kube::Json to_json(const std::vector<Condition>& conditions);
/// The condition of `type`, or null.
const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type);

} // namespace labfleet::api::v1alpha1
