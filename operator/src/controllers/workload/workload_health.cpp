#include "controllers/workload/workload_health.hpp"

#include <algorithm>

#include "controllers/workload/workload_sync.hpp"

namespace labfleet::controllers {

Health workload_health(const std::vector<ConditionUpdate>& updates) {
    const auto find = [&](std::string_view type) -> const ConditionUpdate* {
        const auto found = std::find_if(updates.begin(), updates.end(),
                                        [&](const ConditionUpdate& u) { return u.type == type; });
        return found == updates.end() ? nullptr : &*found;
    };
    if (const auto* degraded = find("Degraded"); degraded && degraded->status == "True")
        return Health::stalled(degraded->reason, degraded->message);
    if (const auto* resolved = find(placeholders_resolved_condition); resolved && resolved->status == "False")
        return Health::stalled(resolved->reason, resolved->message);
    if (const auto* progressing = find("Progressing"); progressing && progressing->status == "True")
        return Health::reconciling(progressing->reason, progressing->message);
    const auto* ready = find("Ready");
    if (ready == nullptr) return Health::reconciling("NotObserved", "the workload's targets were not observed");
    return Health::ready(ready->reason, ready->message);
}

Health promotion_health(Health health, const api::v1alpha1::PromotionStatus& promotion) {
    using api::v1alpha1::PromotionPhase;
    if (health.state == Health::State::Stalled || promotion.phase == PromotionPhase::Complete) return health;
    const std::string message = promotion.summary + ": " + promotion.message;
    switch (promotion.phase) {
    case PromotionPhase::Failed: return Health::stalled("PromotionFailed", message);
    case PromotionPhase::Blocked: return Health::stalled("PromotionBlocked", message);
    case PromotionPhase::AwaitingApproval: return Health::reconciling("AwaitingApproval", message);
    default: return Health::reconciling("Promoting", message);
    }
}

} // namespace labfleet::controllers
