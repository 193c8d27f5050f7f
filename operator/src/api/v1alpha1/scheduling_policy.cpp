#include "api/v1alpha1/scheduling_policy.hpp"

#include <algorithm>
#include <limits>

#include "api/v1alpha1/names.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
kube::LabelSelector read_selector(const FieldReader& spec, std::string_view key) {
    const kube::Json* json = spec.object(key, true);
    if (json == nullptr) return {};
    auto selector = kube::LabelSelector::from_json(*json, spec.path_of(key));
    if (!selector.ok()) {
        const FieldError error = field_error_of(selector.error());
        spec.state().fail(error.field, error.message);
        return {};
    }
    return std::move(selector).value();
}
} // namespace

kube::Result<SchedulingPolicy> SchedulingPolicy::from_json(const kube::Json& json) {
    DecodeState state;
    FieldReader root(&json, "", state);
    SchedulingPolicy out;
    out.metadata = decode_object_meta(root);

    FieldReader spec(root.object("spec", true), "spec", state);
    out.spec.workload_selector = read_selector(spec, "workloadSelector");
    out.spec.target_selector = read_selector(spec, "targetSelector");
    out.spec.environments = spec.string_list("environments");

    FieldReader status(root.object("status"), "status", state);
    out.status.observed_generation =
        status.integer_or("observedGeneration", 0, 0, std::numeric_limits<std::int64_t>::max());
    out.status.conditions = decode_conditions(status, "conditions");
    out.status.assignment_count =
        status.integer_or("assignmentCount", 0, 0, std::numeric_limits<std::int32_t>::max());
    for (std::size_t i = 0; const kube::Json* item : status.array("assignments")) {
        FieldReader reader(item, index_path("status.assignments", i++), state);
        out.status.assignments.push_back({reader.string_or("workload", ""), reader.string_or("target", "")});
    }

    if (state.failed()) return to_api_error(*state.error());
    return out;
}

bool PolicyReach::could_select_workload(const kube::Labels& labels) const {
    return !workload_selector || workload_selector->matches(labels);
}

bool PolicyReach::could_select_target(const kube::Labels& labels, const std::string& environment) const {
    if (target_selector && !target_selector->matches(labels)) return false;
    return !environments || environments->empty() ||
           std::find(environments->begin(), environments->end(), environment) != environments->end();
}

PolicyReach reach_of_policy(const kube::Json& json) {
    PolicyReach reach;
    const kube::Json::json_pointer spec_ptr("/spec");
    if (!json.is_object() || !json.contains(spec_ptr) || !json.at(spec_ptr).is_object()) return reach;
    const kube::Json& spec = json.at(spec_ptr);
    const auto selector = [&](const char* key) -> std::optional<kube::LabelSelector> {
        auto it = spec.find(key);
        if (it == spec.end()) return std::nullopt;
        auto parsed = kube::LabelSelector::from_json(*it);
        if (!parsed.ok()) return std::nullopt;
        return std::move(parsed).value();
    };
    reach.workload_selector = selector("workloadSelector");
    reach.target_selector = selector("targetSelector");
    if (auto it = spec.find("environments"); it == spec.end()) {
        reach.environments = std::vector<std::string>{};
    } else if (it->is_array()) {
        std::vector<std::string> environments;
        for (const auto& item : *it) {
            if (!item.is_string()) return reach;  // environments unreadable: any environment
            environments.push_back(item.get<std::string>());
        }
        reach.environments = std::move(environments);
    }
    return reach;
}

std::vector<FieldError> validate(const SchedulingPolicy& policy) {
    std::vector<FieldError> errors;
    for (std::size_t i = 0; i < policy.spec.environments.size(); ++i) {
        if (!is_dns_label(policy.spec.environments[i]))
            errors.push_back({index_path("spec.environments", i), "must be a DNS label"});
    }
    return errors;
}

kube::Json to_json(const SchedulingPolicyStatus& status) {
    kube::Json assignments = kube::Json::array();
    for (std::size_t i = 0; i < status.assignments.size() && i < max_listed_assignments; ++i)
        assignments.push_back({{"workload", status.assignments[i].workload}, {"target", status.assignments[i].target}});
    return {{"observedGeneration", status.observed_generation},
            {"conditions", to_json(status.conditions)},
            {"assignmentCount", status.assignment_count},
            {"assignments", std::move(assignments)}};
}

} // namespace labfleet::api::v1alpha1
