#include "controllers/fleet_view.hpp"

#include <map>
#include <optional>
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

/// What one cached object decoded to. Objects are immutable snapshots and the
/// store keeps the same snapshot while an object is unchanged, so the snapshot
/// pointer identifies the decode; holding the pointer keeps it from being reused.
template <class T>
struct MemoEntry {
    kube::ObjectPtr raw;
    std::optional<T> decoded;  // nullopt: rejected
};

/// Decodes every object of `store`, reusing the decode of each unchanged
/// snapshot from the previous call: reconciles read whole kinds on every run,
/// and re-decoding N objects per reconcile made a burst of N changes cost N².
/// Single-threaded, like the stores; one memo per (store, kind).
template <class T, bool Validate>
Decoded<T> decode_all(const kube::Store& store) {
    static std::map<const kube::Store*, std::map<const kube::Json*, MemoEntry<T>>> memos;
    auto& previous = memos[&store];
    std::map<const kube::Json*, MemoEntry<T>> current;
    Decoded<T> out;
    for (const auto& object : store.list()) {
        auto reused = previous.find(object.get());
        MemoEntry<T> entry;
        if (reused != previous.end()) {
            entry = std::move(reused->second);
        } else {
            entry.raw = object;
            auto decoded = T::from_json(*object);
            if (decoded.ok() && (!Validate || validate(decoded.value()).empty())) entry.decoded = std::move(decoded).value();
        }
        if (entry.decoded) out.items.push_back(*entry.decoded);
        else out.rejected.push_back(name_of(*object));
        current.emplace(object.get(), std::move(entry));
    }
    previous = std::move(current);
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
