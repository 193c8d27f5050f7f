#pragma once
// Controller: watch sources → work queue → bounded workers → Reconciler, as
// controller-runtime's. Sources are informer stores whose changes are mapped
// to keys of the primary kind (the primary itself, an owner, or whatever a
// secondary object affects). Workers run only between start() and stop(), so
// a manager runs controllers only while it leads.

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "kube/util/clock.hpp"
#include "kube/json/json.hpp"
#include "kube/util/logger.hpp"
#include "kube/metrics/metrics.hpp"
#include "kube/controller/crash_record.hpp"
#include "kube/controller/reconcile.hpp"
#include "kube/cache/store.hpp"
#include "kube/controller/work_queue.hpp"

namespace labfleet::kube {

struct ControllerOptions {
    std::string name;  // "workload": the controller label of every metric
    int workers = 4;
    RateLimiterOptions rate_limits;
    /// Records the reconciles in flight across restarts and quarantines a key
    /// whose reconcile ended the process twice in a row (crash_record.hpp);
    /// null: no record. Shared by the controllers of a process; must outlive them.
    CrashRecord* crash_record = nullptr;
    /// For tests only: the key whose reconcile aborts the process (after its
    /// in-flight record is written), to show what a crashing reconcile does.
    std::string abort_in_reconcile_of;
};

/// Maps a changed object to the keys to reconcile.
using KeyMapper = std::function<std::vector<std::string>(const Json& object)>;
/// Whether an update matters to a watch (controller-runtime's predicates):
/// false drops it before mapping. Adds and deletes always matter.
using UpdateFilter = std::function<bool(const Json& old_object, const Json& new_object)>;

/// An UpdateFilter passing changes of spec, metadata.labels or
/// metadata.deletionTimestamp, and dropping status-only ones: a secondary
/// watch that derives keys from what users declare needs nothing else.
bool spec_or_labels_changed(const Json& old_object, const Json& new_object);

/// An UpdateFilter passing every update that changes more than the object's
/// status (and the resourceVersion and managedFields every write changes).
bool more_than_status_changed(const Json& old_object, const Json& new_object);

/// An UpdateFilter passing changes of an object's content (every top-level
/// member but metadata and status: spec, a ConfigMap's data), its labels or its
/// deletionTimestamp; changes of its status or other metadata (annotations a
/// controller adds) do not pass.
bool content_or_labels_changed(const Json& old_object, const Json& new_object);

/// Changes a watch may let settle: adds (with `adds`) and the updates `prompt` does not pass are
/// queued `delay` after the first of them and at low priority, behind every change that is not
/// settling, so that a burst (a rollout's status steps) brings one reconcile, not one each.
/// Deletes, and updates `prompt` passes, are queued at once, as without it.
struct Settle {
    UpdateFilter prompt;
    bool adds = false;
    std::chrono::milliseconds delay{0};
};

class Controller {
public:
    /// `clock`, `reconciler` and `metrics` (may be null) must outlive the controller.
    Controller(asio::any_io_executor executor, const Clock& clock, ControllerOptions options,
               Reconciler& reconciler, RuntimeMetrics* metrics = nullptr);

    /// Queues the object's own key on every change of `store`'s objects,
    /// except updates `relevant` (when given) drops; `settle` may delay the others.
    void watch_primary(Store& store, UpdateFilter relevant = {}, Settle settle = {});
    /// Queues `map(object)` on every change (old and new state on update),
    /// except updates `relevant` (when given) drops; `settle` may delay the others.
    void watch(Store& store, KeyMapper map, UpdateFilter relevant = {}, Settle settle = {});
    /// Queues every key currently in `store` (start of leadership).
    void enqueue_all(const Store& store);
    void enqueue(const std::string& key, Priority priority = Priority::Normal) { queue_.add(key, priority); }
    void enqueue_after(const std::string& key, std::chrono::milliseconds delay) { queue_.add_after(key, delay); }

    /// Runs the workers until stop(); returns when all have finished.
    asio::awaitable<void> run();
    void stop() { queue_.shut_down(); }

    const std::string& name() const { return options_.name; }
    WorkQueue& queue() { return queue_; }

private:
    asio::awaitable<void> worker();
    /// Reports a quarantined key (the reconciler's quarantined()) instead of reconciling it.
    asio::awaitable<void> skip_quarantined(std::string key);
    /// Counts, logs (a failure at `failure_level`) and re-queues as `result` says.
    void finish(const std::string& key, const ReconcileResult& result, MonoTime started,
                LogLevel failure_level = LogLevel::Warn);

    asio::any_io_executor executor_;
    const Clock& clock_;
    ControllerOptions options_;
    Reconciler& reconciler_;
    RuntimeMetrics* metrics_;
    std::unique_ptr<WorkQueueObserver> observer_;
    WorkQueue queue_;
    int active_workers_ = 0;
    std::set<std::string> skip_logged_;  // quarantined keys whose skip was logged by this process
    Logger log_;
};

/// The queue key of an object: "name" or "namespace/name".
std::string key_of_object(const Json& object);

} // namespace labfleet::kube
