#include "controllers/fleet_view.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "controllers/policy/assignments.hpp"
#include "controllers/lease/environment_lease_order.hpp"

namespace labfleet::controllers {

namespace {
/// Which snapshot of one cached object the memo's result holds, and where.
struct MemoEntry {
    std::uint64_t snapshot = 0;
    std::optional<std::size_t> item;  // its index in the result's items; nullopt: rejected
};

/// The last decode of one store: valid while the store's revision is unchanged.
/// The result is the only copy of each decoded object (a Workload with ten
/// targets in its status is about 10 KB decoded).
template <class T>
struct Memo {
    std::uint64_t revision = 0;
    std::shared_ptr<Decoded<T>> result;  // handed out as const
    std::map<kube::ObjectKey, MemoEntry> entries;
};

/// Decodes (and validates) every object of `store`, reusing the decode of each
/// unchanged snapshot: only objects replaced since the last call are read
/// (in a packed store, unpacked) from the store. The reused decodes move from
/// the last result when no reader holds it any more, and are copied when one
/// does. Single-threaded, like the stores; one memo per (store, kind), found
/// by address and trusted only at the same revision (revisions and snapshots
/// are never shared between stores, so a store at a reused address misses).
template <class T>
std::shared_ptr<const Decoded<T>> decode_all(const kube::Store& store) {
    static std::map<const kube::Store*, Memo<T>> memos;
    auto& memo = memos[&store];
    if (memo.result && memo.revision == store.revision()) return memo.result;

    // The memo is emptied first: should a decode throw (a bug), it holds no
    // moved-from decodes, and the next call decodes everything again.
    Memo<T> last = std::exchange(memo, {});
    const bool unread = last.result.use_count() == 1;  // no reader holds the last result
    std::map<kube::ObjectKey, MemoEntry> current;
    auto out = std::make_shared<Decoded<T>>();
    store.for_each_snapshot([&](const kube::ObjectKey& key, std::uint64_t snapshot) {
        MemoEntry entry{snapshot, std::nullopt};
        std::optional<T> decoded;
        if (auto reused = last.entries.find(key); reused != last.entries.end() && reused->second.snapshot == snapshot) {
            if (reused->second.item) {
                T& item = last.result->items[*reused->second.item];
                decoded = unread ? std::move(item) : item;
            }
        } else {
            auto result = T::from_json(*store.get(key));
            if (result.ok() && validate(result.value()).empty()) decoded = std::move(result).value();
        }
        if (decoded) {
            entry.item = out->items.size();
            out->items.push_back(std::move(*decoded));
        } else {
            out->rejected.push_back(key.name);
        }
        current.emplace(key, entry);
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
