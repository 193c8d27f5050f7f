#include "controllers/key_mappers.hpp"

#include <set>

#include "controllers/render/desired_objects.hpp"
#include "controllers/policy/assignments.hpp"
#include "controllers/fleet_view.hpp"
#include "kube/json/json_fields.hpp"

namespace labfleet::controllers {

namespace {
using kube::label_of;
using kube::string_at;

/// Workloads with a cached child labelled labfleet.dev/target=`target`
/// (from the label indexes: children are cached packed, decoding is dear).
void add_workloads_with_children_on(const Caches& caches, const std::string& target, std::set<std::string>& out) {
    if (target.empty()) return;
    for (const kube::Store* store : {&caches.config_maps, &caches.deployments, &caches.services})
        for (const auto& workload : store->index_values(workload_label, target_label, target)) out.insert(workload);
}

/// Workloads the cached policies assign to `target`.
void add_workloads_assigned_to(const Caches& caches, const api::v1alpha1::DeploymentTarget& target,
                               std::set<std::string>& out) {
    const auto workloads = decode_workloads(caches.workloads);
    const std::vector<api::v1alpha1::DeploymentTarget> one{target};
    for (const auto& policy : decode_policies(caches.policies)->items)
        for (const auto& pair : assignments_of(policy, workloads->items, one)) out.insert(pair.workload);
}

std::vector<std::string> as_vector(std::set<std::string> keys) { return {keys.begin(), keys.end()}; }
} // namespace

std::vector<std::string> workload_keys_for_child(const kube::Json& child) {
    std::string workload = label_of(child, workload_label);
    if (workload.empty()) return {};
    return {std::move(workload)};
}

std::vector<std::string> workloads_named_by_children(const Caches& caches) {
    std::set<std::string> keys;
    for (const kube::Store* store : {&caches.config_maps, &caches.deployments, &caches.services})
        for (const auto& workload : store->index_values(workload_label)) keys.insert(workload);
    return as_vector(std::move(keys));
}

std::vector<std::string> workload_keys_for_target(const Caches& caches, const kube::Json& target) {
    std::set<std::string> keys;
    auto decoded = api::v1alpha1::DeploymentTarget::from_json(target);
    if (decoded.ok()) add_workloads_assigned_to(caches, decoded.value(), keys);
    add_workloads_with_children_on(caches, string_at(target, "/metadata/name"), keys);
    for (const auto& peer : namespace_peers(caches.targets, target)) {
        add_workloads_assigned_to(caches, peer, keys);
        add_workloads_with_children_on(caches, peer.metadata.name, keys);
    }
    return as_vector(std::move(keys));
}

std::vector<api::v1alpha1::DeploymentTarget> namespace_peers(const kube::Store& targets, const kube::Json& target) {
    std::vector<api::v1alpha1::DeploymentTarget> out;
    const std::string ns = string_at(target, "/spec/namespace");
    const std::string name = string_at(target, "/metadata/name");
    if (ns.empty()) return out;
    for (const auto& peer : decode_targets(targets)->items)
        if (peer.spec.target_namespace == ns && peer.metadata.name != name) out.push_back(peer);
    return out;
}

std::vector<std::string> workload_keys_for_policy(const Caches& caches, const kube::Json& policy) {
    auto decoded = api::v1alpha1::SchedulingPolicy::from_json(policy);
    if (!decoded.ok()) return all_keys(caches.workloads);
    // Unreadable or invalid workloads get their Degraded status from their own events.
    std::vector<std::string> keys;
    for (const auto& workload : decode_workloads(caches.workloads)->items)
        if (decoded->spec.workload_selector.matches(workload.metadata.labels)) keys.push_back(workload.metadata.name);
    return keys;
}

std::vector<std::string> workload_keys_for_lease(const Caches& caches, const kube::Json& lease) {
    const std::string target_name = string_at(lease, "/spec/target");
    if (target_name.empty()) return {};
    std::set<std::string> keys;
    if (const auto target = caches.targets.get({"", target_name})) {
        auto decoded = api::v1alpha1::DeploymentTarget::from_json(*target);
        if (decoded.ok()) add_workloads_assigned_to(caches, decoded.value(), keys);
    }
    add_workloads_with_children_on(caches, target_name, keys);
    return as_vector(std::move(keys));
}

std::vector<std::string> lease_targets_for_deployment(const Caches& caches, const kube::Json& deployment) {
    std::string target = label_of(deployment, target_label);
    if (target.empty()) return {};
    for (const kube::ObjectPtr& lease : caches.leases.list_by_index(lease_target_index, target))
        if (string_at(*lease, "/status/phase") == "Active") return {std::move(target)};
    return {};
}

bool lease_holding_changed(const kube::Json& old_lease, const kube::Json& new_lease) {
    return kube::spec_or_labels_changed(old_lease, new_lease) ||
           string_at(old_lease, "/status/phase") != string_at(new_lease, "/status/phase");
}

bool lease_shown_on_target_changed(const kube::Json& old_lease, const kube::Json& new_lease) {
    return lease_holding_changed(old_lease, new_lease) ||
           string_at(old_lease, "/status/expiresAt") != string_at(new_lease, "/status/expiresAt");
}

std::vector<std::string> all_keys(const kube::Store& store) {
    std::vector<std::string> keys;
    keys.reserve(store.size());
    for (const auto& key : store.keys()) keys.push_back(key.str());
    return keys;
}

std::vector<std::string> targets_with_lease_overrides(const kube::Store& leases) {
    std::set<std::string> targets;
    for (const kube::ObjectPtr& object : leases.list()) {
        const kube::Json::json_pointer overrides_at("/spec/overrides");
        if (!object->contains(overrides_at)) continue;
        const kube::Json& overrides = object->at(overrides_at);
        if (!overrides.is_array() || overrides.empty()) continue;
        for (auto& target : lease_target_of(*object)) targets.insert(std::move(target));
    }
    return as_vector(std::move(targets));
}

kube::KeyMapper map_child_to_workload() { return [](const kube::Json& child) { return workload_keys_for_child(child); }; }
kube::KeyMapper map_target_to_workloads(Caches caches) {
    return [caches](const kube::Json& target) { return workload_keys_for_target(caches, target); };
}
kube::KeyMapper map_policy_to_workloads(Caches caches) {
    return [caches](const kube::Json& policy) { return workload_keys_for_policy(caches, policy); };
}
kube::KeyMapper map_lease_to_workloads(Caches caches) {
    return [caches](const kube::Json& lease) { return workload_keys_for_lease(caches, lease); };
}
kube::KeyMapper map_to_all_keys(const kube::Store& store) {
    return [&store](const kube::Json&) { return all_keys(store); };
}
kube::KeyMapper map_deployment_to_lease_target(Caches caches) {
    return [caches](const kube::Json& deployment) { return lease_targets_for_deployment(caches, deployment); };
}
kube::KeyMapper map_lease_to_target() { return lease_target_of; }
kube::KeyMapper map_target_to_namespace_peers(const kube::Store& targets) {
    return [&targets](const kube::Json& target) {
        std::vector<std::string> keys;
        for (const auto& peer : namespace_peers(targets, target)) keys.push_back(peer.metadata.name);
        return keys;
    };
}
kube::KeyMapper map_to_targets_with_lease_overrides(const kube::Store& leases) {
    return [&leases](const kube::Json&) { return targets_with_lease_overrides(leases); };
}

} // namespace labfleet::controllers
