#include "controllers/fleet_view.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "controllers/policy/assignments.hpp"
#include "controllers/lease/environment_lease_order.hpp"

namespace labfleet::controllers {

namespace {
/// What one cached object decoded to, and which snapshot of it.
template <class T>
struct MemoEntry {
    std::uint64_t snapshot = 0;
    std::optional<T> decoded;  // nullopt: rejected
};

/// The last decode of one store: valid while the store's revision is unchanged.
template <class T>
struct Memo {
    std::uint64_t revision = 0;
    std::shared_ptr<const Decoded<T>> result;
    std::map<kube::ObjectKey, MemoEntry<T>> entries;
};

/// Decodes (and validates) every object of `store`, reusing the decode of each
/// unchanged snapshot: only objects replaced since the last call are read
/// (in a packed store, unpacked) from the store. Single-threaded, like the
/// stores; one memo per (store, kind), found by address and trusted only at
/// the same revision (revisions and snapshots are never shared between
/// stores, so a store at a reused address misses).
template <class T>
std::shared_ptr<const Decoded<T>> decode_all(const kube::Store& store) {
    static std::map<const kube::Store*, Memo<T>> memos;
    auto& memo = memos[&store];
    if (memo.result && memo.revision == store.revision()) return memo.result;

    std::map<kube::ObjectKey, MemoEntry<T>> current;
    auto out = std::make_shared<Decoded<T>>();
    store.for_each_snapshot([&](const kube::ObjectKey& key, std::uint64_t snapshot) {
        auto reused = memo.entries.find(key);
        MemoEntry<T> entry;
        if (reused != memo.entries.end() && reused->second.snapshot == snapshot) {
            entry = std::move(reused->second);
        } else {
            entry.snapshot = snapshot;
            auto decoded = T::from_json(*store.get(key));
            if (decoded.ok() && validate(decoded.value()).empty()) entry.decoded = std::move(decoded).value();
        }
        if (entry.decoded) out->items.push_back(*entry.decoded);
        else out->rejected.push_back(key.name);
        current.emplace(key, std::move(entry));
    });
    memo.entries = std::move(current);
    memo.revision = store.revision();
    memo.result = std::move(out);
    return memo.result;
}

} // namespace

std::vector<std::string> lease_target_of(const kube::Json& lease) {
    const auto spec = lease.find("spec");
    if (spec == lease.end() || !spec->is_object()) return {};
    const auto target = spec->find("target");
    if (target == spec->end() || !target->is_string() || target->get_ref<const std::string&>().empty()) return {};
    return {target->get<std::string>()};
}

std::shared_ptr<const Decoded<api::v1alpha1::Workload>> decode_workloads(const kube::Store& store) {
    return decode_all<api::v1alpha1::Workload>(store);
}
std::shared_ptr<const Decoded<api::v1alpha1::DeploymentTarget>> decode_targets(const kube::Store& store) {
    return decode_all<api::v1alpha1::DeploymentTarget>(store);
}
std::shared_ptr<const Decoded<api::v1alpha1::SchedulingPolicy>> decode_policies(const kube::Store& store) {
    return decode_all<api::v1alpha1::SchedulingPolicy>(store);
}

std::shared_ptr<const std::map<std::string, TargetRefusal>> refusals_of(
    const std::shared_ptr<const Decoded<api::v1alpha1::DeploymentTarget>>& targets, const NamespaceRules& rules) {
    // The decode it was computed from, held weakly: a live decode's control block is never reused.
    static std::weak_ptr<const Decoded<api::v1alpha1::DeploymentTarget>> memo_of;
    static std::vector<std::string> memo_denied;
    static std::shared_ptr<const std::map<std::string, TargetRefusal>> memo;
    const bool same_decode = !memo_of.expired() && !memo_of.owner_before(targets) && !targets.owner_before(memo_of);
    if (memo && same_decode && memo_denied == rules.denied) return memo;
    memo = std::make_shared<const std::map<std::string, TargetRefusal>>(target_refusals(targets->items, rules));
    memo_of = targets;
    memo_denied = rules.denied;
    return memo;
}

std::vector<api::v1alpha1::EnvironmentLease> decode_leases_of(const Caches& caches, const std::string& target) {
    std::vector<api::v1alpha1::EnvironmentLease> out;
    for (const auto& object : caches.leases.list_by_index(lease_target_index, target))
        if (auto decoded = api::v1alpha1::EnvironmentLease::from_json(*object)) out.push_back(std::move(decoded).value());
    return out;
}

const api::v1alpha1::EnvironmentLease* active_lease_for(const std::vector<api::v1alpha1::EnvironmentLease>& leases,
                                                        const std::string& target) {
    return active_lease_of(leases, target);
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
