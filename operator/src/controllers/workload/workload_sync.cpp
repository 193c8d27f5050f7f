#include "controllers/workload/workload_sync.hpp"

#include <algorithm>

#include "controllers/status/deployment_rollout.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/render/object_diff.hpp"
#include "controllers/status/status_bounds.hpp"
#include "controllers/workload/workload_health.hpp"
#include "kube/json/json_fields.hpp"
#include "kube/cache/store.hpp"

namespace labfleet::controllers {

namespace {
using api::v1alpha1::WorkloadStatus;
using kube::label_of;
using kube::string_at;

std::int64_t integer_at(const kube::Json& object, const char* pointer) {
    const kube::Json::json_pointer ptr(pointer);
    if (!object.contains(ptr)) return 0;
    const auto& value = object.at(ptr);
    return value.is_number_integer() ? value.get<std::int64_t>() : 0;
}

} // namespace

kube::ResourceType resource_type_of(ChildKind kind) {
    switch (kind) {
    case ChildKind::ConfigMap: return kube::resources::config_maps();
    case ChildKind::Deployment: return kube::resources::deployments();
    case ChildKind::Service: return kube::resources::services();
    }
    return kube::resources::config_maps();
}

const kube::Json* find_child(const std::vector<CachedChild>& children, const std::string& cluster, ChildKind kind,
                             const kube::ObjectKey& key) {
    for (const auto& child : children)
        if (child.kind == kind && child.cluster == cluster && child.object && kube::Store::key_of(*child.object) == key)
            return child.object.get();
    return nullptr;
}

std::string child_name(ChildKind kind, const kube::ObjectKey& key) {
    switch (kind) {
    case ChildKind::ConfigMap: return "ConfigMap " + key.str();
    case ChildKind::Deployment: return "Deployment " + key.str();
    case ChildKind::Service: return "Service " + key.str();
    }
    return key.str();
}

std::optional<std::string> not_ours(const kube::Json& live, const api::v1alpha1::Workload& workload,
                                    const std::string& installation) {
    if (label_of(live, managed_by_label) != managed_by_value)
        return std::string("not labelled ") + managed_by_label + "=" + managed_by_value;
    if (label_of(live, workload_label) != workload.metadata.name)
        return std::string("labelled ") + workload_label + "=" + label_of(live, workload_label) + ", not " +
               workload.metadata.name;
    if (!installation.empty()) {
        if (const std::string other = label_of(live, installation_label); other != installation)
            return other.empty() ? std::string("not labelled ") + installation_label + "=" + installation
                                 : std::string("labelled ") + installation_label + "=" + other +
                                       " (another Labfleet installation)";
        // A workload_uid_label of an earlier Workload of that name is this installation's
        // leftover (its cluster was away when that Workload went): taken over, not refused.
    }
    const kube::Json::json_pointer owners_ptr("/metadata/ownerReferences");
    if (live.contains(owners_ptr) && live.at(owners_ptr).is_array()) {
        for (const auto& owner : live.at(owners_ptr)) {
            if (!owner.is_object() || !owner.value("controller", false)) continue;
            const bool ours = owner.value("kind", "") == "Workload" &&
                              owner.value("apiVersion", "").rfind("labfleet.dev/", 0) == 0 &&
                              owner.value("name", "") == workload.metadata.name &&
                              (workload.metadata.uid.empty() || owner.value("uid", "").empty() ||
                               owner.value("uid", "") == workload.metadata.uid);
            if (!ours)
                return "controlled by " + owner.value("kind", std::string("?")) + " " +
                       owner.value("name", std::string("?")) + " (uid " + owner.value("uid", std::string("?")) + ")";
        }
    }
    const kube::Json::json_pointer managers_ptr("/metadata/managedFields");
    if (live.contains(managers_ptr) && live.at(managers_ptr).is_array() && !live.at(managers_ptr).empty()) {
        const auto& managers = live.at(managers_ptr);
        const bool written = std::any_of(managers.begin(), managers.end(), [](const kube::Json& entry) {
            return entry.is_object() && entry.value("manager", "") == managed_by_value;
        });
        if (!written) return std::string("no field of it was written by field manager ") + managed_by_value;
    }
    return std::nullopt;
}

std::vector<ChildPrune> children_to_prune(const std::vector<CachedChild>& children, const std::set<ChildId>& desired,
                                          const WorkloadWorld& world) {
    std::vector<ChildPrune> out;
    for (const auto& child : children) {
        if (!child.object) continue;
        const kube::ObjectKey key = kube::Store::key_of(*child.object);
        if (desired.contains({child.cluster, child.kind, key})) continue;
        const std::string target = label_of(*child.object, target_label);
        if (world.paused_targets.contains(target) || world.unreadable_targets.contains(target) ||
            world.frozen_targets.contains(target) || world.unwritable_targets.contains(target))
            continue;
        out.push_back({child.kind, key, string_at(*child.object, "/metadata/uid"), target, child.cluster});
    }
    return out;
}

std::vector<CachedChild> cached_children(const std::vector<ChildStores>& stores, const char* label,
                                         const std::string& value) {
    std::vector<CachedChild> out;
    for (const ChildStores& cluster : stores) {
        const std::pair<ChildKind, kube::Store*> kinds[] = {{ChildKind::ConfigMap, cluster.config_maps},
                                                           {ChildKind::Deployment, cluster.deployments},
                                                           {ChildKind::Service, cluster.services}};
        for (const auto& [kind, store] : kinds)
            for (auto& object : store->list_by_index(label, value)) out.push_back({kind, std::move(object), cluster.cluster});
    }
    return out;
}

std::vector<ChildPrune> children_of_missing_workload(const std::vector<CachedChild>& children) {
    std::vector<ChildPrune> out;
    for (const auto& child : children) {
        if (!child.object) continue;
        out.push_back({child.kind, kube::Store::key_of(*child.object), string_at(*child.object, "/metadata/uid"),
                       label_of(*child.object, target_label), child.cluster});
    }
    return out;
}

WorkloadSync plan_workload_sync(const api::v1alpha1::Workload& workload, const WorkloadWorld& world) {
    WorkloadSync out;
    std::set<ChildId> desired_ids;
    for (const auto& target : world.assigned_targets) {
        const auto* lease = active_lease_for(world.leases, target.metadata.name);
        TargetOutcome outcome;
        outcome.target = target.metadata.name;
        outcome.environment = target.spec.environment;
        const auto promoted = world.promoted.find(target.metadata.name);
        outcome.images = resolve_images(workload, target, lease,
                                        promoted == world.promoted.end() ? nullptr : &promoted->second);
        outcome.paused = target.spec.paused || world.paused_targets.contains(target.metadata.name);
        const DesiredObjects desired = build_desired_objects(workload, target, outcome.images, world.installation);
        outcome.desired_replicas = integer_at(desired.deployment, "/spec/replicas");
        outcome.pod_settings_conflicts = desired.pod_settings_conflicts;
        outcome.unknown_placeholders = desired.unknown_placeholders;
        const std::string& cluster = target.cluster();
        if (const auto why = world.unwritable_targets.find(target.metadata.name); why != world.unwritable_targets.end())
            outcome.unwritable = why->second;
        const bool blocked = outcome.paused || !outcome.pod_settings_conflicts.empty() || !outcome.unwritable.empty();

        outcome.in_sync = true;
        const std::pair<ChildKind, const kube::Json*> objects[] = {{ChildKind::ConfigMap, &desired.config_map},
                                                                   {ChildKind::Deployment, &desired.deployment},
                                                                   {ChildKind::Service, &desired.service}};
        for (const auto& [kind, object] : objects) {
            const kube::ObjectKey key = kube::Store::key_of(*object);
            desired_ids.insert({cluster, kind, key});
            const kube::Json* live = find_child(world.children, cluster, kind, key);
            std::optional<std::string> difference =
                live ? first_difference(*object, *live) : std::optional<std::string>("absent");
            if (!difference) continue;
            outcome.in_sync = false;
            if (blocked) continue;
            if (live) {
                if (auto why = not_ours(*live, workload, cluster.empty() ? "" : world.installation)) {
                    outcome.not_owned.push_back(child_name(kind, key) + ": " + *why);
                    continue;
                }
                // spec.selector is immutable: a Deployment selecting another
                // target's pods can only be replaced, never applied over.
                const kube::Json::json_pointer selector("/spec/selector");
                if (kind == ChildKind::Deployment && live->contains(selector) &&
                    live->at(selector) != object->at(selector)) {
                    const std::string previous = label_of(*live, target_label);
                    if (!world.frozen_targets.contains(previous))
                        out.replaces.push_back({kind, key, string_at(*live, "/metadata/uid"), previous, cluster});
                    continue;
                }
            }
            // Nulls are "must be absent" for the comparison only: server-side
            // apply would store a null annotation as "", so they are left out.
            out.applies.push_back({kind, without_absent(*object), *difference, live == nullptr, cluster});
        }

        const kube::Json* deployment =
            find_child(world.children, cluster, ChildKind::Deployment, kube::Store::key_of(desired.deployment));
        outcome.ready_replicas = deployment ? integer_at(*deployment, "/status/readyReplicas") : 0;
        if (deployment != nullptr) {
            const RolloutProgress rollout = rollout_progress(*deployment, outcome.desired_replicas);
            outcome.rollout_missing = rollout.missing;
            outcome.ready = (outcome.paused || outcome.in_sync) && outcome.pod_settings_conflicts.empty() &&
                            outcome.unwritable.empty() && rollout.complete();
        }
        out.targets.push_back(std::move(outcome));
    }
    out.prunes = children_to_prune(world.children, desired_ids, world);
    out.promotion = world.promotion;
    return out;
}

api::v1alpha1::WorkloadStatus workload_status(const api::v1alpha1::Workload& workload, const WorkloadSync& sync,
                                              const std::vector<std::string>& write_errors, kube::WallTime now) {
    WorkloadStatus status;
    status.observed_generation = workload.metadata.generation;
    std::vector<std::string> waiting;
    for (const auto& target : sync.targets) {
        status.targets.push_back({target.target, target.environment, target.images.workshop_image,
                                  target.images.files_image, target.images.source, target.ready_replicas});
        if (!target.ready)
            waiting.push_back(target.target + " (" + std::to_string(target.ready_replicas) + "/" +
                              std::to_string(target.desired_replicas) + " ready" +
                              (target.rollout_missing.empty() ? "" : "; " + target.rollout_missing) +
                              (target.unwritable.empty() ? "" : "; " + target.unwritable) + ")");
    }

    cap_list(status.targets, api::v1alpha1::max_listed_targets);  // readyTargets counts them all

    std::vector<ConditionUpdate> updates;
    const std::size_t total = sync.targets.size();
    status.ready_targets = std::to_string(total - waiting.size()) + "/" + std::to_string(total);
    if (total == 0) {
        const std::string why = "no SchedulingPolicy assigns this workload to a DeploymentTarget";
        updates.push_back({"Ready", "False", "NoTargets", why});
        updates.push_back({"Progressing", "False", "NoTargets", why});
    } else if (waiting.empty()) {
        const std::string count = std::to_string(total) + "/" + std::to_string(total) + " targets ready";
        if (workload.spec.suspend)
            updates.push_back({"Ready", "True", "Suspended", "suspended: scaled to zero on " + std::to_string(total) +
                                                                 (total == 1 ? " target" : " targets")});
        else
            updates.push_back({"Ready", "True", "TargetsReady", count});
        updates.push_back({"Progressing", "False", "Complete", "every target runs the desired objects"});
    } else {
        const std::string message = std::to_string(total - waiting.size()) + "/" + std::to_string(total) +
                                    " targets ready; waiting for " + summarise(waiting);
        updates.push_back({"Ready", "False", "RollingOut", message});
        updates.push_back({"Progressing", "True", "RollingOut", message});
    }
    std::vector<std::string> conflicts;
    for (const auto& target : sync.targets)
        for (const auto& conflict : target.pod_settings_conflicts)
            conflicts.push_back("target " + target.target + ": " + conflict);
    std::vector<std::string> not_owned;
    for (const auto& target : sync.targets)
        for (const auto& object : target.not_owned) not_owned.push_back(object);
    if (!conflicts.empty()) {
        conflicts.insert(conflicts.end(), write_errors.begin(), write_errors.end());
        updates.push_back({"Degraded", "True", "InvalidPodSettings", summarise(conflicts, "; ")});
    } else if (!not_owned.empty()) {
        for (auto& object : not_owned) object += ", not created by Labfleet: left as is";
        not_owned.insert(not_owned.end(), write_errors.begin(), write_errors.end());
        updates.push_back({"Degraded", "True", "ObjectNotOwned", summarise(not_owned, "; ")});
    } else if (write_errors.empty()) {
        updates.push_back({"Degraded", "False", "AsExpected", "no errors"});
    } else {
        updates.push_back({"Degraded", "True", "ApplyFailed", summarise(write_errors, "; ")});
    }
    std::set<std::string> unknown;  // the same on every target: one definition
    for (const auto& target : sync.targets) unknown.insert(target.unknown_placeholders.begin(), target.unknown_placeholders.end());
    if (unknown.empty())
        updates.push_back({placeholders_resolved_condition, "True", "AllResolved",
                           "every ${...} in spec.workshop is a known placeholder"});
    else
        updates.push_back({placeholders_resolved_condition, "False", "UnknownPlaceholder",
                           "unknown placeholders, left as is: " +
                               summarise(std::vector<std::string>(unknown.begin(), unknown.end())) +
                               "; known are ${REGISTRY_HOST}, ${IMAGE_TAG}, ${WORKSHOP_IMAGE}, "
                               "${FILES_IMAGE} and ${ENVIRONMENT}"});
    status.promotion = sync.promotion;
    Health health = workload_health(updates);
    if (sync.promotion) health = promotion_health(std::move(health), *sync.promotion);
    set_health(updates, health);
    status.conditions = merge_conditions(workload.status.conditions, updates, status.observed_generation, now);
    return status;
}

api::v1alpha1::WorkloadStatus invalid_workload_status(api::v1alpha1::WorkloadStatus current, std::int64_t generation,
                                                      const SpecProblem& problem, kube::WallTime now) {
    auto updates = invalid_spec_conditions(problem, /*with_degraded=*/true);
    updates.push_back({"Progressing", "False", problem.reason, updates.front().message});
    current.observed_generation = generation;
    current.conditions = merge_conditions(std::move(current.conditions), updates, generation, now);
    return current;
}

bool workload_status_changed(const api::v1alpha1::WorkloadStatus& current,
                             const api::v1alpha1::WorkloadStatus& desired) {
    return current.observed_generation != desired.observed_generation || current.targets != desired.targets ||
           current.ready_targets != desired.ready_targets || current.promotion != desired.promotion ||
           !same_conditions_ignoring_time(current.conditions, desired.conditions);
}

} // namespace labfleet::controllers
