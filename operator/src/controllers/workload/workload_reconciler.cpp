#include "controllers/workload/workload_reconciler.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "api/v1alpha1/group_version.hpp"
#include "controllers/policy/assignments.hpp"
#include "controllers/domain_metrics.hpp"
#include "controllers/fleet_view.hpp"
#include "controllers/clusters/remote_finalizer.hpp"
#include "controllers/status/status_bounds.hpp"
#include "controllers/status/status_patch.hpp"
#include "controllers/status/status_writer.hpp"
#include "controllers/workload/workload_promotion.hpp"
#include "kube/client/rest.hpp"
#include "kube/json/json_fields.hpp"
#include "kube/util/concurrently.hpp"

// GCC 12 reports asio's awaitable frame allocation (unsized new, sized
// delete) as mismatched after inlining: a false positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace labfleet::controllers {

namespace {
using api::v1alpha1::Workload;
using kube::ReconcileResult;

const char* kind_name(ChildKind kind) {
    switch (kind) {
    case ChildKind::ConfigMap: return "ConfigMap";
    case ChildKind::Deployment: return "Deployment";
    case ChildKind::Service: return "Service";
    }
    return "";
}

/// Child writes of one reconcile in flight at once. With the workers' reconciles running side by
/// side, that bounds the operator's writes in flight at workers x this (64 with 8 workers, what the
/// bare-client floor of the benchmark keeps in flight).
constexpr std::size_t max_child_writes_in_flight = 8;

/// How long a created child may stay unseen by the caches before the workload is planned without
/// it (the create-only apply then tells a child of ours from another's object).
constexpr std::chrono::seconds created_child_timeout{5};

/// The home cache of a kind of child.
const kube::Store& home_store(const Context& ctx, ChildKind kind) {
    switch (kind) {
    case ChildKind::ConfigMap: return ctx.caches.config_maps;
    case ChildKind::Deployment: return ctx.caches.deployments;
    case ChildKind::Service: return ctx.caches.services;
    }
    return ctx.caches.config_maps;
}

/// Errors a retry will not fix without a change by a human: shown in Degraded.
bool is_terminal(const kube::ApiError& error) {
    return !error.retryable() && error.reason != kube::ErrorReason::Conflict &&
           error.reason != kube::ErrorReason::NotFound;
}
} // namespace

WorkloadReconciler::WorkloadReconciler(Context context)
    : ctx_(context), created_(context.clock, {created_child_timeout}), log_(kube::default_logger().named("workload")) {}

boost::asio::awaitable<ReconcileResult> WorkloadReconciler::reconcile(std::string key) {
    const kube::ObjectPtr object = ctx_.caches.workloads.get({"", key});
    if (!object) co_return co_await reconcile_missing(key);

    auto decoded = Workload::from_json(*object);
    if (const LenientHeader header = read_lenient_header(*object); header.metadata.deletion_timestamp) {
        // Garbage collection removes the children at home through their ownerReferences.
        forget_images(key);
        if (!has_remote_finalizer(*object)) co_return ReconcileResult::done();
        // GCC 12 destroys a temporary passed to a coroutine parameter twice: pass named values.
        std::optional<Workload> workload;
        if (decoded.ok()) workload = decoded.value();
        co_return co_await finalize(object, header.metadata, std::move(workload));
    }
    if (!decoded.ok()) co_return co_await reconcile_invalid(object, *spec_problem_of(decoded));
    const Workload& workload = decoded.value();
    if (const auto problem = spec_problem_of(decoded)) co_return co_await reconcile_invalid(object, *problem);
    if (const auto created = created_.check(key); created.state == kube::Expectations::Check::State::Waiting)
        co_return ReconcileResult::requeue_after(created.wait);  // their watch events queue the workload sooner
    else if (created.state == kube::Expectations::Check::State::TimedOut)
        created_.forget(key);

    const auto targets = decode_targets(ctx_.caches.targets);
    const auto policies = decode_policies(ctx_.caches.policies);
    WorkloadWorld world;
    const auto refusals = refusals_of(targets, ctx_.namespace_rules);
    // Where each assigned target's children are written: its cluster's connection.
    std::map<std::string, ClusterAccess> access;
    bool connecting = false;  // a target waits for its cluster's caches: looked at again soon
    for (auto& target : targets_assigned_to(workload, targets->items, policies->items)) {
        if (refusals->contains(target.metadata.name)) continue;  // the target's status says why
        // A deleted target still cached is being finalized: its children are pruned, none written.
        if (target.metadata.deletion_timestamp) continue;
        ClusterAccess reach = access_for(ctx_, target);
        if (!reach.writable()) world.unwritable_targets[target.metadata.name] = reach.message;
        if (!reach.writable() && reach.reason == cluster_pending_reason) connecting = true;
        access.emplace(target.metadata.name, std::move(reach));
        world.assigned_targets.push_back(std::move(target));
    }
    for (const auto& target : world.assigned_targets)
        for (auto& lease : decode_leases_of(ctx_.caches, target.metadata.name)) world.leases.push_back(std::move(lease));
    world.children = cached_children(all_child_stores(ctx_), workload_label, key);
    world.installation = ctx_.remotes ? ctx_.remotes->installation() : "";
    // The finalizer is on before anything is written into another cluster, and
    // goes once nothing of the workload is there any more.
    const bool elsewhere =
        std::ranges::any_of(world.assigned_targets, [](const auto& target) { return !target.cluster().empty(); }) ||
        std::ranges::any_of(world.children, [](const CachedChild& child) { return !child.cluster.empty(); });
    if (elsewhere != has_remote_finalizer(*object))
        co_return co_await write_remote_finalizer(ctx_, api::v1alpha1::workloads(), *object, elsewhere);
    world.unreadable_targets = {targets->rejected.begin(), targets->rejected.end()};
    for (const auto& target : targets->items)
        if (target.spec.paused) world.paused_targets.insert(target.metadata.name);
    std::vector<kube::Json> unreadable_policies;
    for (const auto& name : policies->rejected)
        if (const auto raw = ctx_.caches.policies.get({"", name})) unreadable_policies.push_back(*raw);
    world.frozen_targets = targets_unreadable_policies_could_assign(workload, targets->items, unreadable_policies);
    for (const auto& [name, refusal] : *refusals) world.frozen_targets.insert(name);

    const std::optional<PromotionPlan> promotion = plan_workload_promotion(workload, world, ctx_.clock.now());
    WorkloadSync sync = plan_workload_sync(workload, world);
    std::vector<std::string> failures;        // every failed write, for the retry
    std::vector<std::string> terminal_errors;  // those a retry will not fix, for Degraded
    std::string stale_status;                  // a status write refused for a stale cache
    co_await prune(sync.prunes, &failures);
    // Deleted now (ours: the cache holds only Labfleet's, not_ours checked),
    // created anew by the reconcile that their delete event brings.
    for (const auto& replace : sync.replaces)
        log_.info("replacing child: its selector is immutable", {{"workload", key}, {"object", replace.key.str()}});
    co_await prune(sync.replaces, &failures);
    // Each target namespace is made sure of once; then the children in namespaces that are there
    // are written concurrently, a bounded number in flight, so that their round trips overlap
    // instead of adding up: the ConfigMaps first, then the Deployments and Services, so that a
    // Deployment never starts pods before the ConfigMap they mount is written.
    // Applies go only to writable targets (the plan blocks the others), so each has its access.
    auto access_of = [&](const ChildApply& apply) -> const ClusterAccess& {
        return access.at(kube::label_of(apply.object, target_label));
    };
    std::set<std::pair<std::string, std::string>> namespaces_ready, namespaces_not;  // (cluster, namespace)
    for (const auto& apply : sync.applies) {
        const std::pair<std::string, std::string> where{apply.cluster, kube::rest::key_of(apply.object).ns};
        if (namespaces_ready.contains(where) || namespaces_not.contains(where)) continue;
        const ClusterAccess& reach = access_of(apply);
        auto [ns_state, ns_error] = co_await reach.namespaces->ensure(*reach.client, where.second);
        (ns_state == NamespaceState::Ready ? namespaces_ready : namespaces_not).insert(where);
        if (ns_state != NamespaceState::Ready)
            failures.push_back("namespace " + where.second + (where.first.empty() ? "" : " of cluster " + where.first) +
                               (ns_error.empty() ? " is being deleted" : ": " + ns_error));
    }
    std::erase_if(sync.applies, [&](const ChildApply& apply) {
        return namespaces_not.contains({apply.cluster, kube::rest::key_of(apply.object).ns});
    });
    auto write_child = [&](const ChildApply& apply) -> boost::asio::awaitable<void> {
        const kube::ObjectKey child = kube::rest::key_of(apply.object);
        const ClusterAccess& reach = access_of(apply);
        log_.info("applying child", {{"workload", key}, {"kind", kind_name(apply.kind)},
                                     {"object", child.str()}, {"difference", apply.first_difference}});
        kube::ApplyOptions options;  // field manager labfleet, force
        options.rank = kube::WriteRank::Change;
        // A child the cache does not show is created, never taken over: the server refuses the
        // create-only apply when the name is taken (by another's object, or by ours that the
        // cache has not seen yet), and only then is the object read to tell which.
        options.create_only = apply.absent_from_cache;
        auto applied =
            co_await kube::rest::apply(*reach.client, resource_type_of(apply.kind), apply.object, options);
        if (!applied.ok() && options.create_only && applied.error().reason == kube::ErrorReason::Conflict) {
            auto why = co_await foreign_object(*reach.client, apply.kind, child, workload, &failures);
            if (!why) co_return;  // could not tell: failures says why
            if (!why->empty()) {
                const std::string target = kube::label_of(apply.object, target_label);
                for (auto& outcome : sync.targets)
                    if (outcome.target == target)
                        outcome.not_owned.push_back(child_name(apply.kind, child) + ": " + *why);
                co_return;
            }
            options.create_only = false;
            applied = co_await kube::rest::apply(*reach.client, resource_type_of(apply.kind), apply.object, options);
        }
        if (applied.ok()) {
            // Remote caches may go with their cluster, so only creates at home are waited for.
            if (options.create_only && apply.cluster.empty()) created_.expect_create(key, home_store(ctx_, apply.kind), child);
            co_return;
        }
        if (namespace_missing(applied.error())) {
            // Gone or being deleted with its children: the retry reads it again, and creates it once gone.
            reach.namespaces->forget(child.ns);
            failures.push_back("namespace " + child.ns + (apply.cluster.empty() ? "" : " of cluster " + apply.cluster) +
                               " is gone or being deleted: " + applied.error().describe());
            co_return;
        }
        const std::string what = std::string("apply ") + kind_name(apply.kind) + " " + child.str() + ": " +
                                 applied.error().describe();
        failures.push_back(what);
        if (is_terminal(applied.error())) terminal_errors.push_back(what);
    };
    const auto config_maps_first =
        std::ranges::stable_partition(sync.applies, [](const ChildApply& a) { return a.kind == ChildKind::ConfigMap; });
    const std::vector<ChildApply> config_maps(sync.applies.begin(), config_maps_first.begin());
    const std::vector<ChildApply> others(config_maps_first.begin(), sync.applies.end());
    co_await kube::for_each_concurrently(config_maps, max_child_writes_in_flight, write_child);
    co_await kube::for_each_concurrently(others, max_child_writes_in_flight, write_child);
    publish_images(key, sync.targets);

    const auto status = workload_status(workload, sync, terminal_errors, ctx_.clock.now());
    StatusWrite write{api::v1alpha1::workloads(), object, workload.status.conditions, status.conditions,
                      workload_status_changed(workload.status, status), to_json(status)};
    const auto written = co_await write_status(ctx_, std::move(write));
    if (written.kind == ReconcileResult::Kind::Error) failures.push_back(written.error);
    // Told once the record that makes them happen is written: a failed write
    // brings the same plan, and the same events, again.
    const bool recorded = written.kind != ReconcileResult::Kind::Error && written.kind != ReconcileResult::Kind::Requeue;
    if (promotion) publish_promotion(*object, key, *promotion, status, recorded);
    else if (ctx_.metrics) ctx_.metrics->set_promotion(key, {});
    // A stale cache is routine churn: the requeue sees the newer object.
    if (written.kind == ReconcileResult::Kind::Requeue) stale_status = written.error;
    if (!failures.empty()) co_return ReconcileResult::failed(failures.front());
    if (!stale_status.empty()) co_return ReconcileResult::requeue(std::move(stale_status));
    if (connecting) co_return ReconcileResult::requeue_after(cluster_pending_recheck);
    if (promotion && promotion->recheck) co_return ReconcileResult::requeue_after(*promotion->recheck);
    co_return ReconcileResult::done();
}

boost::asio::awaitable<ReconcileResult> WorkloadReconciler::reconcile_missing(std::string name) {
    forget_images(name);
    created_.forget(name);
    std::vector<std::string> failures;
    co_await prune(children_of_missing_workload(cached_children(all_child_stores(ctx_), workload_label, name)), &failures);
    if (!failures.empty()) co_return ReconcileResult::failed(failures.front());
    co_return ReconcileResult::done();
}

boost::asio::awaitable<ReconcileResult> WorkloadReconciler::finalize(kube::ObjectPtr object,
                                                                      api::v1alpha1::ObjectMeta metadata,
                                                                      std::optional<Workload> workload) {
    const std::string& name = metadata.name;
    std::vector<ChildPrune> writable;  // deleted now
    std::set<std::string> away;        // "cluster c (why)": what is there can be neither known nor deleted now
    for (auto& child : children_of_missing_workload(cached_children(all_child_stores(ctx_), workload_label, name))) {
        if (child.cluster.empty()) continue;  // the garbage collector's
        const ClusterAccess reach = access_for_child(child.cluster, child.target);
        if (reach.writable()) writable.push_back(std::move(child));
        else away.insert("cluster " + child.cluster + " (" + reach.message + ")");
    }
    // A cluster not listed yet may hold children the caches do not show.
    if (workload) {
        const auto targets = decode_targets(ctx_.caches.targets);
        for (const auto& target :
             targets_assigned_to(*workload, targets->items, decode_policies(ctx_.caches.policies)->items)) {
            if (target.cluster().empty()) continue;
            if (const ClusterAccess reach = access_for(ctx_, target); !reach.writable())
                away.insert("cluster " + target.cluster() + " (" + reach.message + ")");
        }
    }
    if (!writable.empty()) {
        std::vector<std::string> failures;
        co_await prune(std::move(writable), &failures);
        if (!failures.empty()) co_return ReconcileResult::failed(failures.front());
        // The caches show the deletes; the next look lets the workload go.
        co_return ReconcileResult::requeue_after(std::chrono::seconds{1});
    }
    if (away.empty()) {
        log_.info("objects in other clusters removed: letting the workload go", {{"workload", name}});
        co_return co_await write_remote_finalizer(ctx_, api::v1alpha1::workloads(), *object, false);
    }
    if (const auto left_of_grace = remote_grace_left(ctx_, *metadata.deletion_timestamp))
        co_return ReconcileResult::requeue_after(remote_grace_recheck(*left_of_grace));
    const std::string note = "not written to within the grace of " +
                             std::to_string(ctx_.remote_cleanup_grace.count() / 1000) + "s: " +
                             summarise({away.begin(), away.end()}) +
                             "; the objects labelled " + workload_uid_label + "=" + metadata.uid +
                             " there are left, and deleted when the cluster answers while a target names it";
    log_.warn("letting a deleted workload go, leaving objects in other clusters", {{"workload", name}, {"note", note}});
    ctx_.events.record(*object, kube::EventType::Warning, remote_objects_left_reason, note, "Delete");
    co_return co_await write_remote_finalizer(ctx_, api::v1alpha1::workloads(), *object, false);
}

boost::asio::awaitable<ReconcileResult> WorkloadReconciler::reconcile_invalid(kube::ObjectPtr object,
                                                                              SpecProblem problem) {
    // Children stay as they are: a bad edit must not tear a running lab down.
    const LenientHeader header = read_lenient_header(*object);
    api::v1alpha1::WorkloadStatus current;
    current.conditions = header.conditions;
    const kube::Json::json_pointer observed("/status/observedGeneration");
    if (object->contains(observed) && object->at(observed).is_number_integer())
        current.observed_generation = object->at(observed).get<std::int64_t>();
    const auto status = invalid_workload_status(current, header.metadata.generation, problem, ctx_.clock.now());
    // Only observedGeneration and conditions: targets[] keep describing what runs.
    StatusWrite write{api::v1alpha1::workloads(), object, current.conditions, status.conditions,
                      workload_status_changed(current, status),
                      {{"observedGeneration", status.observed_generation}, {"conditions", to_json(status.conditions)}}};
    co_return co_await write_status(ctx_, std::move(write));
}

boost::asio::awaitable<void> WorkloadReconciler::prune(std::vector<ChildPrune> prunes,
                                                       std::vector<std::string>* errors) {
    for (const auto& child : prunes) {
        const ClusterAccess reach = access_for_child(child.cluster, child.target);
        if (!reach.writable()) {
            log_.info("child left in place: its cluster cannot be written to now",
                      {{"kind", kind_name(child.kind)}, {"object", child.key.str()}, {"cluster", child.cluster},
                       {"reason", reach.message}});
            continue;
        }
        log_.info("pruning child", {{"kind", kind_name(child.kind)}, {"object", child.key.str()},
                                    {"target", child.target}, {"cluster", child.cluster}});
        kube::DeleteOptions options;
        options.rank = kube::WriteRank::Change;
        if (!child.uid.empty()) options.precondition_uid = child.uid;
        auto removed = co_await kube::rest::remove(*reach.client, resource_type_of(child.kind), child.key, options);
        if (!removed.ok() && removed.error().reason != kube::ErrorReason::NotFound)
            errors->push_back(std::string("delete ") + kind_name(child.kind) + " " + child.key.str() + ": " +
                              removed.error().describe());
    }
}

ClusterAccess WorkloadReconciler::access_for_child(const std::string& cluster, const std::string& target) const {
    if (cluster.empty()) return cluster_access(ctx_, cluster, "");
    // In another cluster, only through a target that still names it: its recorded identity guards the delete.
    for (const auto& candidate : decode_targets(ctx_.caches.targets)->items)
        if (candidate.metadata.name == target && candidate.cluster() == cluster) return access_for(ctx_, candidate);
    ClusterAccess none;
    none.message = "no target " + target + " names cluster " + cluster + " any more";
    return none;
}

boost::asio::awaitable<std::optional<std::string>> WorkloadReconciler::foreign_object(
    kube::Client& client, ChildKind kind, kube::ObjectKey key, Workload workload, std::vector<std::string>* errors) {
    auto found = co_await kube::rest::get(client, resource_type_of(kind), key);
    if (found.ok()) co_return not_ours(*found, workload).value_or("");
    if (found.error().reason == kube::ErrorReason::NotFound) co_return std::string{};
    errors->push_back("read " + child_name(kind, key) + ", whose name is taken: " + found.error().describe());
    co_return std::nullopt;
}

void WorkloadReconciler::publish_images(const std::string& workload, const std::vector<TargetOutcome>& targets) {
    if (!ctx_.metrics) return;
    std::vector<DomainMetrics::PairImages> pairs;
    pairs.reserve(targets.size());
    for (const auto& target : targets)
        pairs.push_back({target.target,
                         {{target.images.workshop_image, target.images.workshop.source},
                          {target.images.files_image, target.images.files.source}}});
    ctx_.metrics->set_workload_images(workload, std::move(pairs));
}

void WorkloadReconciler::publish_promotion(const kube::Json& object, const std::string& name,
                                           const PromotionPlan& plan, const api::v1alpha1::WorkloadStatus& status,
                                           bool recorded) {
    if (recorded) {
        for (const auto& event : plan.events) {
            // Blocked and failed are Stalled, whose Warning Event the status write records.
            if (event.warning) continue;
            ctx_.events.record(object, kube::EventType::Normal, event.reason, event.note, "Promote");
        }
    }
    if (!ctx_.metrics) return;
    if (recorded)
        for (const auto& event : plan.events)
            if (!event.outcome.empty()) ctx_.metrics->count_promotion(name, event.environment, event.outcome);
    std::optional<double> stalled_since;
    if (const auto* stalled = api::v1alpha1::find_condition(status.conditions, "Stalled"); stalled && stalled->status == "True")
        stalled_since = std::chrono::duration<double>(stalled->last_transition_time.time_since_epoch()).count();
    std::vector<DomainMetrics::EnvironmentPromotionSeries> series;
    for (const auto& environment : plan.status.environments) {
        DomainMetrics::EnvironmentPromotionSeries entry;
        entry.environment = environment.name;
        entry.workshop_tag = environment.version.workshop_tag;
        entry.files_tag = environment.version.files_tag;
        if (const auto ratio = plan.soak_ratio.find(environment.name); ratio != plan.soak_ratio.end())
            entry.soak_ratio = ratio->second;
        using api::v1alpha1::EnvironmentState;
        if (environment.state == EnvironmentState::Blocked || environment.state == EnvironmentState::Failed)
            entry.stalled_since = stalled_since;
        series.push_back(std::move(entry));
    }
    ctx_.metrics->set_promotion(name, std::move(series));
}

void WorkloadReconciler::forget_images(const std::string& workload) {
    if (ctx_.metrics) ctx_.metrics->forget_workload(workload);
}

} // namespace labfleet::controllers
