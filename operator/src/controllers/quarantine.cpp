#include "controllers/quarantine.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "api/v1alpha1/group_version.hpp"
#include "controllers/status/conditions.hpp"
#include "controllers/target/deployment_target_reconciler.hpp"
#include "controllers/lease/environment_lease_reconciler.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/status/health.hpp"
#include "controllers/policy/scheduling_policy_reconciler.hpp"
#include "controllers/status/status_patch.hpp"
#include "controllers/status/status_writer.hpp"
#include "controllers/workload/workload_reconciler.hpp"

// GCC 12 reports asio's awaitable frame allocation (unsized new, sized
// delete) as mismatched after inlining: a false positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace labfleet::controllers {

namespace {

std::int64_t integer_at(const kube::Json& object, const char* pointer) {
    const kube::Json::json_pointer at(pointer);
    return object.contains(at) && object.at(at).is_number_integer() ? object.at(at).get<std::int64_t>() : 0;
}

std::string string_at(const kube::Json& object, const char* pointer) {
    const kube::Json::json_pointer at(pointer);
    return object.contains(at) && object.at(at).is_string() ? object.at(at).get<std::string>() : std::string();
}

} // namespace

std::string object_revision(const kube::ObjectPtr& object) {
    if (!object) return {};
    return string_at(*object, "/metadata/uid") + "/" + std::to_string(integer_at(*object, "/metadata/generation"));
}

std::string objects_revision(const std::vector<kube::ObjectPtr>& objects) {
    std::vector<std::string> parts;
    for (const auto& object : objects)
        if (object) parts.push_back(string_at(*object, "/metadata/name") + "=" + object_revision(object));
    if (parts.empty()) return {};
    std::sort(parts.begin(), parts.end());
    // FNV-1a over the sorted parts: a short, fixed-size revision however many leases a target has.
    std::uint64_t hash = 14695981039346656037ull;
    for (const auto& part : parts)
        for (const char c : part + '\n') hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

boost::asio::awaitable<kube::ReconcileResult> write_quarantined(Context ctx, kube::ResourceType type,
                                                                kube::ObjectPtr object, std::string why,
                                                                bool with_degraded) {
    if (!object) co_return kube::ReconcileResult::done();
    const LenientHeader header = read_lenient_header(*object);
    const std::int64_t generation = header.metadata.generation;
    const SpecProblem problem{reconcile_crashed_reason, std::move(why)};
    auto conditions =
        merge_conditions(header.conditions, invalid_spec_conditions(problem, with_degraded), generation, ctx.clock.now());
    const bool changed = !same_conditions_ignoring_time(header.conditions, conditions) ||
                         integer_at(*object, "/status/observedGeneration") != generation;
    StatusWrite write{type, object, header.conditions, conditions, changed,
                      {{"observedGeneration", generation}, {"conditions", to_json(conditions)}}};
    co_return co_await write_status(ctx, std::move(write));
}

// What each kind shows when quarantined, in one place.

boost::asio::awaitable<kube::ReconcileResult> WorkloadReconciler::quarantined(std::string key, std::string why) {
    kube::ObjectPtr object = ctx_.caches.workloads.get({"", key});
    co_return co_await write_quarantined(ctx_, api::v1alpha1::workloads(), std::move(object), std::move(why), true);
}

std::string WorkloadReconciler::revision(const std::string& key) {
    return object_revision(ctx_.caches.workloads.get({"", key}));
}

boost::asio::awaitable<kube::ReconcileResult> DeploymentTargetReconciler::quarantined(std::string key, std::string why) {
    kube::ObjectPtr object = ctx_.caches.targets.get({"", key});
    co_return co_await write_quarantined(ctx_, api::v1alpha1::deployment_targets(), std::move(object), std::move(why),
                                         false);
}

std::string DeploymentTargetReconciler::revision(const std::string& key) {
    return object_revision(ctx_.caches.targets.get({"", key}));
}

boost::asio::awaitable<kube::ReconcileResult> SchedulingPolicyReconciler::quarantined(std::string key, std::string why) {
    kube::ObjectPtr object = ctx_.caches.policies.get({"", key});
    co_return co_await write_quarantined(ctx_, api::v1alpha1::scheduling_policies(), std::move(object), std::move(why),
                                         true);
}

std::string SchedulingPolicyReconciler::revision(const std::string& key) {
    return object_revision(ctx_.caches.policies.get({"", key}));
}

// The lease controller's key is a target: every lease of it is Stalled (the
// target's own status belongs to the target controller).
boost::asio::awaitable<kube::ReconcileResult> EnvironmentLeaseReconciler::quarantined(std::string key, std::string why) {
    kube::ReconcileResult outcome = kube::ReconcileResult::done();
    for (kube::ObjectPtr& lease : ctx_.caches.leases.list_by_index(lease_target_index, key)) {
        auto written = co_await write_quarantined(ctx_, api::v1alpha1::environment_leases(), std::move(lease), why, false);
        if (written.kind != kube::ReconcileResult::Kind::Done) outcome = std::move(written);
    }
    co_return outcome;
}

std::string EnvironmentLeaseReconciler::revision(const std::string& key) {
    std::vector<kube::ObjectPtr> objects = ctx_.caches.leases.list_by_index(lease_target_index, key);
    objects.push_back(ctx_.caches.targets.get({"", key}));
    return objects_revision(objects);
}

} // namespace labfleet::controllers
