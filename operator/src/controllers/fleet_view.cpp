#include "controllers/fleet_view.hpp"

#include <set>

#include "controllers/assignments.hpp"

namespace labfleet::controllers {

namespace {
std::string name_of(const kube::Json& object) {
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) return {};
    const auto name = metadata->find("name");
    return name != metadata->end() && name->is_string() ? name->get<std::string>() : std::string{};
}

template <class T, bool Validate>
Decoded<T> decode_all(const kube::Store& store) {
    Decoded<T> out;
    for (const auto& object : store.list()) {
        auto decoded = T::from_json(*object);
        if (!decoded.ok() || (Validate && !validate(decoded.value()).empty())) {
            out.rejected.push_back(name_of(*object));
            continue;
        }
        out.items.push_back(std::move(decoded).value());
    }
    return out;
}
} // namespace

Decoded<api::v1alpha1::Workload> decode_workloads(const kube::Store& store) {
    return decode_all<api::v1alpha1::Workload, true>(store);
}
Decoded<api::v1alpha1::DeploymentTarget> decode_targets(const kube::Store& store) {
    return decode_all<api::v1alpha1::DeploymentTarget, true>(store);
}
Decoded<api::v1alpha1::SchedulingPolicy> decode_policies(const kube::Store& store) {
    return decode_all<api::v1alpha1::SchedulingPolicy, true>(store);
}
Decoded<api::v1alpha1::EnvironmentLease> decode_leases(const kube::Store& store) {
    return decode_all<api::v1alpha1::EnvironmentLease, false>(store);
}

const api::v1alpha1::EnvironmentLease* active_lease_for(const std::vector<api::v1alpha1::EnvironmentLease>& leases,
                                                        const std::string& target) {
    const api::v1alpha1::EnvironmentLease* found = nullptr;
    for (const auto& lease : leases) {
        if (lease.status.phase != api::v1alpha1::LeasePhase::Active || lease.spec.target != target) continue;
        if (found == nullptr || lease.metadata.name < found->metadata.name) found = &lease;
    }
    return found;
}

std::vector<api::v1alpha1::DeploymentTarget> targets_assigned_to(
    const api::v1alpha1::Workload& workload, const std::vector<api::v1alpha1::DeploymentTarget>& targets,
    const std::vector<api::v1alpha1::SchedulingPolicy>& policies) {
    const std::vector<api::v1alpha1::Workload> one{workload};
    std::set<std::string> names;
    for (const auto& policy : policies)
        for (const auto& pair : assignments_of(policy, one, targets)) names.insert(pair.target);
    std::vector<api::v1alpha1::DeploymentTarget> out;
    for (const auto& target : targets)
        if (names.contains(target.metadata.name)) out.push_back(target);
    return out;
}

} // namespace labfleet::controllers
