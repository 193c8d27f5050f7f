#include "controllers/status/conditions.hpp"

#include <algorithm>

#include "controllers/status/status_bounds.hpp"

namespace labfleet::controllers {

void set_condition(std::vector<Condition>& conditions, const ConditionUpdate& update,
                   std::int64_t observed_generation, kube::WallTime now) {
    auto existing = std::find_if(conditions.begin(), conditions.end(),
                                 [&](const Condition& c) { return c.type == update.type; });
    // metav1.Time has whole seconds: a time we write must read back equal.
    const auto stamp = std::chrono::time_point_cast<std::chrono::seconds>(now);
    // Every condition message goes through here: none can outgrow what the API server accepts.
    std::string message = bounded_message(update.message);
    if (existing == conditions.end()) {
        conditions.push_back({update.type, update.status, observed_generation, stamp, update.reason, std::move(message)});
        return;
    }
    // A condition read without a lastTransitionTime gets one: the CRDs require it.
    if (existing->status != update.status || existing->last_transition_time == kube::WallTime{})
        existing->last_transition_time = stamp;
    existing->status = update.status;
    existing->observed_generation = observed_generation;
    existing->reason = update.reason;
    existing->message = std::move(message);
}

std::vector<Condition> merge_conditions(std::vector<Condition> existing, const std::vector<ConditionUpdate>& updates,
                                        std::int64_t observed_generation, kube::WallTime now) {
    for (const auto& update : updates) set_condition(existing, update, observed_generation, now);
    for (auto& condition : existing) condition.observed_generation = observed_generation;
    return existing;
}

bool same_conditions_ignoring_time(const std::vector<Condition>& a, const std::vector<Condition>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Condition& x, const Condition& y) {
        return x.type == y.type && x.status == y.status && x.observed_generation == y.observed_generation &&
               x.reason == y.reason && x.message == y.message;
    });
}

} // namespace labfleet::controllers
