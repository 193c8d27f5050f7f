#include "controllers/status/health.hpp"

#include <algorithm>

namespace labfleet::controllers {

namespace {

constexpr std::string_view ready_type = "Ready", reconciling_type = "Reconciling", stalled_type = "Stalled";

/// What the controller was doing when it stalled, for the Event's action.
std::string action_of(const std::string& reason) {
    if (reason == "ObjectNotOwned" || reason == "ApplyFailed") return "Apply";
    if (reason == "UnknownPlaceholder") return "Render";
    return "Validate";
}

} // namespace

std::vector<ConditionUpdate> health_conditions(const Health& health) {
    const std::string& message = health.message;
    const auto flag = [&](bool value) { return ConditionUpdate{"", condition_status(value), health.reason, message}; };
    ConditionUpdate ready = flag(health.state == Health::State::Ready);
    ConditionUpdate reconciling = flag(health.state == Health::State::Reconciling);
    ConditionUpdate stalled = flag(health.state == Health::State::Stalled);
    ready.type = ready_type;
    reconciling.type = reconciling_type;
    stalled.type = stalled_type;
    return {std::move(ready), std::move(reconciling), std::move(stalled)};
}

bool is_health_condition(std::string_view type) {
    return type == ready_type || type == reconciling_type || type == stalled_type;
}

void set_health(std::vector<ConditionUpdate>& updates, const Health& health) {
    for (auto& update : health_conditions(health)) {
        auto existing = std::find_if(updates.begin(), updates.end(),
                                     [&](const ConditionUpdate& u) { return u.type == update.type; });
        if (existing != updates.end()) *existing = std::move(update);
        else updates.push_back(std::move(update));
    }
}

std::optional<SpecProblem> spec_problem(const std::vector<api::v1alpha1::FieldError>& errors) {
    if (errors.empty()) return std::nullopt;
    const bool selector = errors.front().field.find("Selector") != std::string::npos;
    return SpecProblem{selector ? "InvalidSelector" : "InvalidSpec", api::v1alpha1::join(errors)};
}

std::vector<ConditionUpdate> invalid_spec_conditions(const SpecProblem& problem, bool with_degraded) {
    std::vector<ConditionUpdate> out = health_conditions(Health::stalled(problem.reason, problem.message));
    if (with_degraded) out.push_back({"Degraded", "True", problem.reason, out.front().message});
    return out;
}

std::optional<WarningEvent> stalled_event(const std::vector<api::v1alpha1::Condition>& before,
                                          const std::vector<api::v1alpha1::Condition>& after) {
    const auto* now = api::v1alpha1::find_condition(after, "Stalled");
    if (now == nullptr || now->status != "True") return std::nullopt;
    const auto* was = api::v1alpha1::find_condition(before, "Stalled");
    if (was != nullptr && was->status == "True" && was->reason == now->reason && was->message == now->message)
        return std::nullopt;
    return WarningEvent{now->reason, now->message, action_of(now->reason)};
}

} // namespace labfleet::controllers
