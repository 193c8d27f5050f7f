#include "controllers/environment_lease_reconciler.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "api/v1alpha1/group_version.hpp"
#include "controllers/assignments.hpp"
#include "controllers/domain_metrics.hpp"
#include "controllers/fleet_view.hpp"
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

/// A lease of the target being reconciled: its cached object and decoding.
struct CachedLease {
    kube::ObjectPtr object;
    ObservedLease observed;
};

} // namespace

EnvironmentLeaseReconciler::EnvironmentLeaseReconciler(Context& context, Options options)
    : ctx_(context), options_(options), log_(kube::default_logger().named("environmentlease")) {}

boost::asio::awaitable<kube::ReconcileResult> EnvironmentLeaseReconciler::reconcile(std::string key) {
    const kube::WallTime now = ctx_.clock.now();
    const kube::ResourceType lease_type = api::v1alpha1::environment_leases();

    std::optional<api::v1alpha1::DeploymentTarget> target;
    if (const kube::ObjectPtr object = ctx_.caches.targets.get({"", key})) {
        auto decoded = api::v1alpha1::DeploymentTarget::from_json(*object);
        if (decoded) target = std::move(decoded).value();
        else log_.warn("target not readable; its leases are planned as if it were missing",
                       {{"target", key}, {"error", decoded.error().describe()}});
    }

    std::map<std::string, CachedLease> cached;
    std::vector<ObservedLease> leases;
    bool any_overrides = false;
    for (const kube::ObjectPtr& object : ctx_.caches.leases.list_by_index(lease_target_index, key)) {
        auto decoded = EnvironmentLease::from_json(*object);
        if (!decoded) {
            log_.warn("lease not readable; skipped",
                      {{"lease", kube::Store::key_of(*object).str()}, {"error", decoded.error().describe()}});
            continue;
        }
        ObservedLease observed{std::move(decoded).value(), observed_generation_of(*object)};
        any_overrides = any_overrides || !observed.lease.spec.overrides.empty();
        leases.push_back(observed);
        std::string name = observed.lease.metadata.name;
        cached.emplace(std::move(name), CachedLease{object, std::move(observed)});
    }

    std::vector<std::string> assigned;
    if (target && any_overrides) {
        // Invalid workloads and policies count as absent, as for the workload controller.
        const auto workloads = decode_workloads(ctx_.caches.workloads);
        const auto policies = decode_policies(ctx_.caches.policies);
        const std::vector<api::v1alpha1::DeploymentTarget> one{*target};
        for (const auto& pair : compute_assignments(workloads->items, one, policies->items).pairs)
            assigned.push_back(pair.workload);
    }

    const LeasePlan plan = plan_target_leases(target ? &*target : nullptr, leases, assigned, now,
                                              LeasePlannerOptions{options_.retention});

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
        request.urgent = true;  // an environment freed or handed over goes before other writes
        auto response = co_await ctx_.client.send(std::move(request));
        if (!response) {
            if (response.error().reason == kube::ErrorReason::NotFound) continue;  // gone: it just leaves
            failure = kube::ReconcileResult::failed("write status of lease " + change.lease + ": " +
                                                    response.error().describe());
            break;
        }
        if (change.transition != LeaseTransition::None)
            log_.info("lease status", {{"target", key}, {"lease", change.lease},
                                       {"phase", api::v1alpha1::to_string(change.status.phase)}});
        for (const LeaseEvent& event : change.events)
            ctx_.events.record(body, event.type, event.reason, event.note, action_of(event.reason));
        if (change.transition == LeaseTransition::Expired && ctx_.metrics != nullptr)
            ctx_.metrics->observe_expiry_lag(ctx_.clock.now() - *change.status.expires_at);
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
    if (leases.empty()) co_return kube::ReconcileResult::done();
    auto delay = options_.backstop;
    if (plan.next_wakeup) {
        const auto until = std::chrono::ceil<std::chrono::milliseconds>(*plan.next_wakeup - ctx_.clock.now());
        delay = std::clamp(until, std::chrono::milliseconds{1}, options_.backstop);
    }
    co_return kube::ReconcileResult::requeue_after(delay);
}

} // namespace labfleet::controllers
