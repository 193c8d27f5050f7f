#include "api/v1alpha1/condition.hpp"

#include <limits>

#include "kube/meta/time_format.hpp"

namespace labfleet::api::v1alpha1 {

std::vector<Condition> decode_conditions(const FieldReader& parent, std::string_view key) {
    std::vector<Condition> out;
    const std::string base = parent.path_of(key);
    for (std::size_t i = 0; const kube::Json* item : parent.array(key)) {
        FieldReader reader(item, index_path(base, i++), parent.state());
        Condition condition;
        condition.type = reader.required_string("type");
        condition.status = reader.required_string("status");
        if (!reader.state().failed() && condition.status != "True" && condition.status != "False" &&
            condition.status != "Unknown")
            reader.state().fail(reader.path_of("status"), "expected True, False or Unknown");
        condition.observed_generation =
            reader.integer_or("observedGeneration", 0, 0, std::numeric_limits<std::int64_t>::max());
        condition.last_transition_time = reader.optional_time("lastTransitionTime").value_or(kube::WallTime{});
        condition.reason = reader.string_or("reason", "");
        condition.message = reader.string_or("message", "");
        out.push_back(std::move(condition));
    }
    return out;
}

kube::Json to_json(const Condition& condition) {
    return {{"type", condition.type},
            {"status", condition.status},
            {"observedGeneration", condition.observed_generation},
            {"lastTransitionTime", kube::format_rfc3339(condition.last_transition_time)},
            {"reason", condition.reason},
            {"message", condition.message}};
}

kube::Json to_json(const std::vector<Condition>& conditions) {
    kube::Json out = kube::Json::array();
    for (const auto& condition : conditions) out.push_back(to_json(condition));
    return out;
}

const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type) {
    for (const auto& condition : conditions)
        if (condition.type == type) return &condition;
    return nullptr;
}

} // namespace labfleet::api::v1alpha1
