#include "controllers/workload/workload_promotion.hpp"

#include <algorithm>

#include "controllers/fleet_view.hpp"
#include "controllers/render/desired_objects.hpp"

namespace labfleet::controllers {

std::vector<ServedTarget> promotion_targets(const api::v1alpha1::Workload& workload, const WorkloadWorld& world) {
    std::vector<ServedTarget> out;
    if (!workload.spec.promotion) return out;
    const auto& order = workload.spec.promotion->environments;
    const std::int64_t replicas = workload.spec.suspend ? 0 : workload.spec.replicas;
    for (const auto& target : world.assigned_targets) {
        if (std::ranges::find(order, target.spec.environment) == order.end()) continue;
        ServedTarget served;
        served.name = target.metadata.name;
        served.environment = target.spec.environment;
        if (target.spec.paused || world.paused_targets.contains(served.name)) served.skipped = "paused";
        else if (const auto* lease = active_lease_for(world.leases, served.name))
            served.skipped = "holds lease " + lease->metadata.name;
        served.unwritable = world.unwritable_targets.contains(served.name);
        const kube::ObjectKey key{target.spec.target_namespace, files_object_name(workload.metadata.name)};
        observe_deployment(find_child(world.children, target.cluster(), ChildKind::Deployment, key), replicas, served);
        if (served.unwritable) served.not_served = world.unwritable_targets.at(served.name);
        out.push_back(std::move(served));
    }
    return out;
}

std::optional<PromotionPlan> plan_workload_promotion(const api::v1alpha1::Workload& workload, WorkloadWorld& world,
                                                     kube::WallTime now) {
    if (!workload.spec.promotion) return std::nullopt;
    const auto targets = promotion_targets(workload, world);
    PromotionPlan plan = plan_promotion(*workload.spec.promotion, workload.status.promotion, targets, now);
    world.promoted = target_versions(plan, targets);
    world.promotion = plan.status;
    return plan;
}

} // namespace labfleet::controllers
