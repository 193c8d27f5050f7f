#include "controllers/lease/environment_lease_reconciler.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "api/v1alpha1/group_version.hpp"
#include "controllers/policy/assignments.hpp"
#include "controllers/domain_metrics.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/status/health.hpp"
#include "controllers/lease/served_leases.hpp"
#include "controllers/status/status_patch.hpp"
#include "controllers/status/status_writer.hpp"
#include "kube/client/request.hpp"

namespace labfleet::controllers {

namespace {

using api::v1alpha1::EnvironmentLease;
using api::v1alpha1::LeasePhase;

std::int64_t observed_generation_of(const kube::Json& lease) {
    const auto status = lease.find("status");
    if (status == lease.end() || !status->is_object()) return 0;
    const auto generation = status->find("observedGeneration");
    if (generation == status->end() || !generation->is_number_integer()) return 0;
    return generation->get<std::int64_t>();
}

/// The event's `action` (what the controller did), from its reason.
std::string action_of(std::string_view reason) {
    if (reason == "LeaseGranted") return "Grant";
    if (reason == "LeaseExpiring") return "Notify";
    if (reason == "LeaseExpired") return "Expire";
    if (reason == "LeaseReleased") return "Release";
    if (reason == "LeaseRequeued") return "Requeue";
    return std::string(reason);
}

/// metadata.resourceVersion of a write's response ("" when it does not say).
std::string written_resource_version(const std::string& body) {
    const kube::Json object = kube::Json::parse(body, nullptr, false);
    return object.is_discarded() ? std::string() : std::string(kube::resource_version_of(object));
}

/// A lease of the target being reconciled: its cached object and decoding.
struct CachedLease {
    kube::ObjectPtr object;
    ObservedLease observed;
};

} // namespace

EnvironmentLeaseReconciler::EnvironmentLeaseReconciler(Context& context, Options options)
    : ctx_(context), options_(options), expectations_(context.clock, {options.expectation_timeout}),
      log_(kube::default_logger().named("environmentlease")) {}

void EnvironmentLeaseReconciler::lease_deleted(const kube::Json& lease) {
    auto decoded = EnvironmentLease::from_json(lease);
    if (!decoded || decoded->spec.target.empty()) return;
    departed_[decoded->spec.target].push_back(std::move(decoded).value());
}

boost::asio::awaitable<kube::ReconcileResult> EnvironmentLeaseReconciler::reconcile(std::string key) {
    const kube::ResourceType lease_type = api::v1alpha1::environment_leases();

    // Read-your-writes: the last reconcile's status writes must be in the
    // cache before it is planned from again.
    const kube::Expectations::Check expected = expectations_.check(key);
    if (expected.state == kube::Expectations::Check::State::Waiting)
        co_return kube::ReconcileResult::requeue_after(expected.wait);  // the lease's watch event comes sooner
    std::map<std::string, kube::ObjectPtr> live;  // leases read from the API server; null: gone
    for (const kube::ObjectKey& unseen : expected.unobserved) {
        kube::HttpRequest request = kube::requests::get(lease_type, unseen);
        auto response = co_await ctx_.client.send(std::move(request));
        if (!response && response.error().reason != kube::ErrorReason::NotFound)
            co_return kube::ReconcileResult::failed("read lease " + unseen.name +
                                                    " (its status write is not in the cache yet): " +
                                                    response.error().describe());
        if (!response) {
            live[unseen.name] = nullptr;
            continue;
        }
        kube::Json object = kube::Json::parse(response.value().body, nullptr, false);
        if (!object.is_object())
            co_return kube::ReconcileResult::failed("read lease " + unseen.name + ": the response is not an object");
        live[unseen.name] = std::make_shared<const kube::Json>(std::move(object));
    }
    if (!expected.unobserved.empty()) {
        log_.warn("the lease cache has not shown status writes within the expectation timeout; planned from a live read",
                  {{"target", key}, {"leases", static_cast<std::int64_t>(expected.unobserved.size())}});
        expectations_.forget(key);
    }
    const kube::WallTime now = ctx_.clock.now();

    std::optional<api::v1alpha1::DeploymentTarget> target;
    const kube::ObjectPtr target_object = ctx_.caches.targets.get({"", key});
    // Names recorded on the target by versions that kept the record there.
    const std::vector<ServedLease> recorded_on_target =
        target_object ? read_target_served_leases(*target_object) : std::vector<ServedLease>{};
    const auto served_memory = served_lease_memory(options_.retention);
    if (const kube::ObjectPtr& object = target_object) {
        auto decoded = api::v1alpha1::DeploymentTarget::from_json(*object);
        if (decoded) target = std::move(decoded).value();
        else log_.warn("target not readable; its leases are planned as if it were missing",
                       {{"target", key}, {"error", decoded.error().describe()}});
    }

    std::vector<kube::ObjectPtr> objects;
    for (kube::ObjectPtr& object : ctx_.caches.leases.list_by_index(lease_target_index, key)) {
        if (!live.contains(kube::Store::key_of(*object).name)) objects.push_back(std::move(object));
    }
    for (const auto& [name, object] : live) {
        const auto targets = object ? lease_target_of(*object) : std::vector<std::string>{};
        if (!targets.empty() && targets.front() == key) objects.push_back(object);
    }

    std::optional<kube::ReconcileResult> unreadable_failure;  // a status write for a lease left out
    std::map<std::string, CachedLease> cached;
    std::vector<ObservedLease> leases;
    for (const kube::ObjectPtr& object : objects) {
        auto decoded = EnvironmentLease::from_json(*object);
        if (!decoded) {
            // Left out of the plan (it neither queues nor holds); its status says why.
            const LenientHeader header = read_lenient_header(*object);
            const std::int64_t generation = header.metadata.generation;
            auto conditions = merge_conditions(
                header.conditions, invalid_spec_conditions(*spec_problem_of(decoded), false), generation, now);
            const bool changed = !same_conditions_ignoring_time(header.conditions, conditions) ||
                                 observed_generation_of(*object) != generation;
            if (changed)
                log_.warn("lease not readable; planned without it",
                          {{"lease", kube::Store::key_of(*object).str()}, {"error", decoded.error().describe()}});
            StatusWrite write{lease_type, object, header.conditions, conditions, changed,
                              {{"observedGeneration", generation}, {"conditions", to_json(conditions)}}};
            const auto written = co_await write_status(ctx_, std::move(write));
            if (written.kind == kube::ReconcileResult::Kind::Error) unreadable_failure = written;
            continue;
        }
        ObservedLease observed{std::move(decoded).value(), observed_generation_of(*object), std::nullopt};
        observed.problem = spec_problem(validate(observed.lease));
        leases.push_back(observed);
        std::string name = observed.lease.metadata.name;
        cached.emplace(std::move(name), CachedLease{object, std::move(observed)});
    }

    // Deleted leases: their LeaseReleased Event; the plan below no longer sees them.
    if (const auto gone = departed_.find(key); gone != departed_.end()) {
        for (const EnvironmentLease& lease : gone->second) {
            if (cached.contains(lease.metadata.name)) continue;  // re-created under the same name
            const kube::Json regarding = {{"apiVersion", api::v1alpha1::api_version},
                                          {"kind", lease_type.kind},
                                          {"metadata", {{"name", lease.metadata.name}, {"uid", lease.metadata.uid}}}};
            for (const LeaseEvent& event : departure_events(lease)) {
                log_.info("lease deleted", {{"target", key}, {"lease", lease.metadata.name}});
                ctx_.events.record_once(regarding, event.type, event.reason, event.note, action_of(event.reason),
                                        event.name);
            }
        }
        departed_.erase(gone);
    }

    std::vector<std::string> assigned;
    LeaseServing serving;
    if (target && !leases.empty()) {
        // Invalid workloads and policies count as absent, as for the workload controller.
        const auto workloads = decode_workloads(ctx_.caches.workloads);
        const auto policies = decode_policies(ctx_.caches.policies);
        const std::vector<api::v1alpha1::DeploymentTarget> one{*target};
        for (const auto& pair : compute_assignments(workloads->items, one, policies->items).pairs)
            assigned.push_back(pair.workload);  // sorted, unique: one target
        // Into `workloads`, which this scope holds.
        std::vector<const api::v1alpha1::Workload*> assigned_workloads;
        for (const auto& workload : workloads->items)
            if (std::binary_search(assigned.begin(), assigned.end(), workload.metadata.name))
                assigned_workloads.push_back(&workload);
        // Children read once, shared by the leases; from the caches of the target's cluster.
        std::map<std::string, kube::ObjectPtr, std::less<>> deployments, config_maps;
        std::vector<ChildStores> stores = all_child_stores(ctx_);
        std::erase_if(stores, [&](const ChildStores& cluster) { return cluster.cluster != target->cluster(); });
        auto child_named = [&](kube::Store* ChildStores::*kind, std::map<std::string, kube::ObjectPtr, std::less<>>& read,
                               const std::string& name) -> const kube::Json* {
            auto found = read.find(name);
            if (found == read.end()) {
                kube::ObjectPtr object;
                for (const auto& cluster : stores)
                    if (!object) object = (cluster.*kind)->get({target->spec.target_namespace, name});
                found = read.emplace(name, std::move(object)).first;
            }
            return found->second.get();
        };
        auto deployment_named = [&](const std::string& name) {
            return child_named(&ChildStores::deployments, deployments, name);
        };
        auto config_map_named = [&](const std::string& name) {
            return child_named(&ChildStores::config_maps, config_maps, name);
        };
        for (const ObservedLease& observed : leases) {
            const LeasePhase phase = observed.lease.status.phase;
            if (phase == LeasePhase::Expired || phase == LeasePhase::Released) continue;
            serving.emplace(observed.lease.metadata.name,
                            serving_state(lease_rollouts(observed.lease, *target, assigned_workloads),
                                          deployment_named, config_map_named));
        }
    }

    // A lease never planned may be one retention deleted and a GitOps tool
    // restored: only the record can tell, so it is read before planning.
    std::optional<ServedRecord> record;
    const bool unplanned = std::any_of(leases.begin(), leases.end(), [](const ObservedLease& observed) {
        return observed.lease.status.phase == LeasePhase::Unset && !observed.lease.metadata.deletion_timestamp;
    });
    if (unplanned) {
        auto read = co_await read_served_record(key);
        if (!read)
            co_return kube::ReconcileResult::failed("read the served-leases record of target " + key + ": " +
                                                    read.error().describe());
        record = std::move(read).value();
    }
    auto served_names = [&] {
        std::vector<ServedLease> all = recorded_on_target;
        if (record) all.insert(all.end(), record->entries.begin(), record->entries.end());
        return all;
    };

    const LeasePlan plan = plan_target_leases(target ? &*target : nullptr, leases, assigned, now,
                                              LeasePlannerOptions{options_.retention}, serving,
                                              recently_served(served_names(), now, served_memory));

    std::set<std::string> written;
    std::optional<kube::ReconcileResult> failure;
    for (const LeaseStatusChange& change : plan.changes) {
        const CachedLease& lease = cached.at(change.lease);
        kube::Json body = *lease.object;
        body["apiVersion"] = api::v1alpha1::api_version;
        body["kind"] = lease_type.kind;
        body["status"] = api::v1alpha1::to_json(change.status);
        body["status"]["observedGeneration"] = change.observed_generation;
        // Requests are built before co_await: GCC 12 mishandles temporaries inside it.
        kube::HttpRequest request = kube::requests::replace_status(lease_type, {"", change.lease}, body);
        request.rank = kube::WriteRank::Urgent;  // an environment freed or handed over goes before other writes
        auto response = co_await ctx_.client.send(std::move(request));
        if (!response) {
            if (response.error().reason == kube::ErrorReason::NotFound) continue;  // gone: it just leaves
            failure = kube::ReconcileResult::failed("write status of lease " + change.lease + ": " +
                                                    response.error().describe());
            break;
        }
        written.insert(change.lease);
        expectations_.expect_update(key, ctx_.caches.leases, {"", change.lease},
                                    std::string(kube::resource_version_of(*lease.object)),
                                    written_resource_version(response.value().body));
        if (change.transition != LeaseTransition::None)
            log_.info("lease status", {{"target", key}, {"lease", change.lease},
                                       {"phase", api::v1alpha1::to_string(change.status.phase)}});
        for (const LeaseEvent& event : change.events)
            ctx_.events.record_once(body, event.type, event.reason, event.note, action_of(event.reason), event.name);
        if (const auto stalled = stalled_event(lease.observed.lease.status.conditions, change.status.conditions))
            ctx_.events.record(body, kube::EventType::Warning, stalled->reason, stalled->note, stalled->action);
        if (change.transition == LeaseTransition::Expired && ctx_.metrics != nullptr)
            ctx_.metrics->observe_expiry_lag(ctx_.clock.now() - *change.status.expires_at);
    }

    // The Events the statuses as read show (those just written recorded theirs above).
    for (const auto& [name, lease] : cached) {
        if (written.contains(name)) continue;
        const auto shown = lease_events_shown(lease.observed.lease, now);
        if (shown.empty()) continue;
        const kube::Json regarding = {{"apiVersion", api::v1alpha1::api_version},
                                      {"kind", lease_type.kind},
                                      {"metadata", {{"name", name}, {"uid", lease.observed.lease.metadata.uid}}}};
        for (const LeaseEvent& event : shown)
            ctx_.events.record_once(regarding, event.type, event.reason, event.note, action_of(event.reason),
                                    event.name);
    }

    // The names go into the record before the leases go: a lease a GitOps
    // tool restores is then recognised (AlreadyServed), never granted again.
    // Whatever fails here, nothing is deleted.
    if (!failure && !plan.deletions.empty() && !record) {
        auto read = co_await read_served_record(key);
        if (read) record = std::move(read).value();
        else failure = kube::ReconcileResult::failed("read the served-leases record of target " + key + ": " +
                                                     read.error().describe());
    }
    if (!failure && !plan.deletions.empty()) {
        const kube::Status recorded = co_await write_served_record(
            key, *record, record_served(served_names(), plan.deletions, now, served_memory));
        if (!recorded) {
            const kube::ApiError& error = recorded.error();
            // Conflict: the record changed since it was read; AlreadyExists: created meanwhile. Read it again.
            if (error.reason == kube::ErrorReason::Conflict || error.reason == kube::ErrorReason::AlreadyExists)
                failure = kube::ReconcileResult::requeue("the served-leases record of target " + key +
                                                         " changed while it was written");
            else
                failure = kube::ReconcileResult::failed("record the leases to delete in the served-leases record of "
                                                        "target " + key + ": " + error.describe());
        }
    }
    if (!failure) {
        for (const std::string& name : plan.deletions) {
            const CachedLease& lease = cached.at(name);
            kube::DeleteOptions options;
            options.precondition_uid = lease.observed.lease.metadata.uid;
            options.precondition_resource_version = lease.observed.lease.metadata.resource_version;
            kube::HttpRequest request = kube::requests::remove(lease_type, {"", name}, options);
            auto response = co_await ctx_.client.send(std::move(request));
            if (!response && response.error().reason != kube::ErrorReason::NotFound) {
                failure = kube::ReconcileResult::failed("delete finished lease " + name + ": " +
                                                        response.error().describe());
                break;
            }
            log_.info("finished lease deleted after retention", {{"target", key}, {"lease", name}});
        }
    }

    if (failure) co_return *failure;
    if (unreadable_failure) co_return *unreadable_failure;
    if (leases.empty()) co_return kube::ReconcileResult::done();
    auto delay = options_.backstop;
    if (plan.next_wakeup) {
        const auto until = std::chrono::ceil<std::chrono::milliseconds>(*plan.next_wakeup - ctx_.clock.now());
        delay = std::clamp(until, std::chrono::milliseconds{1}, options_.backstop);
    }
    co_return kube::ReconcileResult::requeue_after(delay);
}

boost::asio::awaitable<kube::Result<ServedRecord>>
EnvironmentLeaseReconciler::read_served_record(std::string target) {
    const kube::ObjectKey key{ctx_.operator_namespace, served_leases_record_name(target)};
    kube::HttpRequest request = kube::requests::get(kube::resources::config_maps(), key);
    auto response = co_await ctx_.client.send(std::move(request));
    if (!response && response.error().reason == kube::ErrorReason::NotFound) co_return ServedRecord{};
    if (!response) co_return response.error();
    const kube::Json object = kube::Json::parse(response.value().body, nullptr, false);
    if (!object.is_object())
        co_return kube::ApiError{kube::ErrorReason::ServerError, 0, "the response is not an object"};
    co_return ServedRecord{read_served_leases(object), std::string(kube::resource_version_of(object))};
}

boost::asio::awaitable<kube::Status> EnvironmentLeaseReconciler::write_served_record(std::string target,
                                                                                     ServedRecord before,
                                                                                     std::vector<ServedLease> after) {
    const kube::ResourceType type = kube::resources::config_maps();
    const std::string& ns = ctx_.operator_namespace;
    kube::HttpRequest request =
        before.resource_version.empty()
            ? kube::requests::create(type, ns, served_leases_config_map(target, ns, after))
            : kube::requests::patch(type, {ns, served_leases_record_name(target)}, kube::PatchType::Merge,
                                    served_leases_patch(before.entries, after, before.resource_version));
    auto response = co_await ctx_.client.send(std::move(request));
    if (!response) co_return response.error();
    co_return kube::Done{};
}

} // namespace labfleet::controllers
