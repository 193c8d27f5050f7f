#include "kube/controller/controller.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace labfleet::kube {

namespace {

std::string_view result_label(const ReconcileResult& result) {
    switch (result.kind) {
    case ReconcileResult::Kind::Done: return "success";
    case ReconcileResult::Kind::RequeueAfter: return "requeue_after";
    case ReconcileResult::Kind::Requeue: return "requeue";
    case ReconcileResult::Kind::Error: return "error";
    }
    return "success";
}

constexpr const char* quarantine_message =
    "its reconcile ended the operator process twice in a row, the second time with no other reconcile running; "
    "it is not reconciled again until the object changes (metadata.generation)";

const Json* member(const Json& object, const char* name) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(name);
    return it == object.end() ? nullptr : &*it;
}

bool same(const Json* a, const Json* b) { return a == nullptr ? b == nullptr : b != nullptr && *a == *b; }

/// Whether `a` and `b` differ in a member not named in `ignored` (both objects; else compared whole).
bool differ_except(const Json& a, const Json& b, std::initializer_list<std::string_view> ignored) {
    if (!a.is_object() || !b.is_object()) return a != b;
    auto counted = [&](const auto& item) { return std::ranges::find(ignored, item.key()) == ignored.end(); };
    std::size_t compared = 0;
    for (const auto& item : a.items()) {
        if (!counted(item)) continue;
        const auto other = b.find(item.key());
        if (other == b.end() || *other != item.value()) return true;
        ++compared;
    }
    std::size_t in_b = 0;
    for (const auto& item : b.items()) in_b += counted(item) ? 1 : 0;
    return compared != in_b;
}

const Json& metadata_of(const Json& object) {
    static const Json empty = Json::object();
    const Json* found = member(object, "metadata");
    return found ? *found : empty;
}

bool labels_or_deletion_changed(const Json& old_object, const Json& new_object) {
    const Json& a = metadata_of(old_object);
    const Json& b = metadata_of(new_object);
    return !same(member(a, "labels"), member(b, "labels")) ||
           !same(member(a, "deletionTimestamp"), member(b, "deletionTimestamp"));
}

} // namespace

boost::asio::awaitable<ReconcileResult> Reconciler::quarantined(std::string, std::string) {
    co_return ReconcileResult::done();
}

std::string key_of_object(const Json& object) { return Store::key_of(object).str(); }

bool spec_or_labels_changed(const Json& old_object, const Json& new_object) {
    return !same(member(old_object, "spec"), member(new_object, "spec")) ||
           labels_or_deletion_changed(old_object, new_object);
}

bool more_than_status_changed(const Json& old_object, const Json& new_object) {
    return differ_except(old_object, new_object, {"status", "metadata"}) ||
           differ_except(metadata_of(old_object), metadata_of(new_object), {"resourceVersion", "managedFields"});
}

bool content_or_labels_changed(const Json& old_object, const Json& new_object) {
    return differ_except(old_object, new_object, {"status", "metadata"}) ||
           labels_or_deletion_changed(old_object, new_object);
}

Controller::Controller(asio::any_io_executor executor, const Clock& clock, ControllerOptions options,
                       Reconciler& reconciler, RuntimeMetrics* metrics)
    : executor_(executor),
      clock_(clock),
      options_(std::move(options)),
      reconciler_(reconciler),
      metrics_(metrics),
      observer_(metrics ? metrics->work_queue_observer(options_.name) : nullptr),
      queue_(executor, clock, options_.rate_limits, observer_.get()),
      log_(default_logger().named(options_.name)) {
    if (metrics_) {
        metrics_->set_max_concurrent_reconciles(options_.name, options_.workers);
        metrics_->set_active_workers(options_.name, 0);
    }
}

void Controller::watch_primary(Store& store, UpdateFilter relevant, Settle settle) {
    watch(store, [](const Json& object) { return std::vector<std::string>{key_of_object(object)}; },
          std::move(relevant), std::move(settle));
}

void Controller::watch(Store& store, KeyMapper map, UpdateFilter relevant, Settle settle) {
    // Changes replayed by a relist are queued at low priority so that live
    // changes are served first (an initial flood never starves them).
    auto enqueue_mapped = [this, &store, map](const Json& object) {
        const Priority priority = store.relisting() ? Priority::Low : Priority::Normal;
        for (const auto& key : map(object)) queue_.add(key, priority);
    };
    // A settling key already waiting keeps its first deadline (add_after keeps the earliest).
    auto settle_mapped = [this, map, delay = settle.delay](const Json& object) {
        for (const auto& key : map(object)) queue_.add_after(key, delay, Priority::Low);
    };
    const bool settles = static_cast<bool>(settle.prompt);
    store.add_handlers({
        [enqueue_mapped, settle_mapped, settle_adds = settles && settle.adds](const ObjectPtr& object) {
            if (settle_adds) settle_mapped(*object);
            else enqueue_mapped(*object);
        },
        [enqueue_mapped, settle_mapped, relevant, prompt = std::move(settle.prompt), settles](
            const ObjectPtr& old_object, const ObjectPtr& new_object) {
            if (relevant && !relevant(*old_object, *new_object)) return;
            if (settles && !prompt(*old_object, *new_object)) {
                settle_mapped(*old_object);
                settle_mapped(*new_object);
                return;
            }
            enqueue_mapped(*old_object);
            enqueue_mapped(*new_object);
        },
        [enqueue_mapped](const ObjectPtr& object) { enqueue_mapped(*object); },
    });
}

void Controller::enqueue_all(const Store& store) {
    for (const auto& key : store.keys()) queue_.add(key.str(), Priority::Low);
}

asio::awaitable<void> Controller::run() {
    // Workers are coroutines on the one runtime thread; `workers` bounds how
    // many reconciles are in flight at once.
    auto remaining = std::make_shared<int>(options_.workers);
    asio::steady_timer all_done(executor_, asio::steady_timer::time_point::max());
    for (int i = 0; i < options_.workers; ++i) {
        asio::co_spawn(executor_, worker(), [remaining, &all_done](std::exception_ptr error) {
            if (error) std::rethrow_exception(error);
            if (--*remaining == 0) all_done.cancel();
        });
    }
    log_.info("controller started", {{"workers", options_.workers}});
    co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
    log_.info("controller stopped");
}

asio::awaitable<void> Controller::worker() {
    CrashRecord* const record = options_.crash_record;
    const int slot = record ? record->claim_slot() : -1;
    while (auto key = co_await queue_.get()) {
        const ReconcileKey id{options_.name, *key};
        bool alone = false;
        if (record) {
            const auto admission = record->admit(id, [this, &id] { return reconciler_.revision(id.key); });
            if (admission.lifted) {
                skip_logged_.erase(id.key);
                log_.info("quarantine lifted: the object changed", {{"key", id.key}});
            }
            if (admission.verdict == CrashHistory::Verdict::Skip) {
                co_await skip_quarantined(id.key);
                continue;
            }
            alone = admission.verdict == CrashHistory::Verdict::RunAlone;
            if (alone)
                log_.warn("reconciling alone: the process last died with this reconcile in flight", {{"key", id.key}});
            if (!record->may_start(alone)) co_await record->wait_to_start(alone);
            record->begin(slot, id, alone);
        }
        if (!options_.abort_in_reconcile_of.empty() && id.key == options_.abort_in_reconcile_of) {
            log_.error("aborting in this reconcile, as the test-only fault hook asks", {{"key", id.key}});
            std::abort();
        }
        const MonoTime started = clock_.steady_now();
        ++active_workers_;
        if (metrics_) metrics_->set_active_workers(options_.name, active_workers_);
        // An exception from a reconcile is a bug in that reconciler: as
        // controller-runtime recovers a panic, it fails this key only (an
        // error log, a counted error, a rate-limited retry) and the worker
        // goes on. The handlers only record, since co_await may not appear there.
        ReconcileResult result;
        std::optional<std::string> thrown;
        try {
            result = co_await reconciler_.reconcile(*key);
        } catch (const std::exception& error) {
            thrown = error.what();
        } catch (...) {
            thrown = "an exception not derived from std::exception";
        }
        if (record) record->end(slot, id, alone);
        --active_workers_;
        if (metrics_) metrics_->set_active_workers(options_.name, active_workers_);
        if (thrown) result = ReconcileResult::failed("reconcile threw: " + *thrown);
        finish(*key, result, started, thrown ? LogLevel::Error : LogLevel::Warn);
        // A reconcile with nothing to write never suspends, and get() does
        // not while keys wait: without this, a full queue (every workload
        // after a restart) would run to its end before a watch event, a
        // probe or a leader-lease renewal got the thread.
        co_await asio::post(executor_, asio::use_awaitable);
    }
}

asio::awaitable<void> Controller::skip_quarantined(std::string key) {
    const MonoTime started = clock_.steady_now();
    if (skip_logged_.insert(key).second)
        log_.error("reconcile skipped: quarantined after crashing the process twice in a row", {{"key", key}});
    ReconcileResult result;
    std::optional<std::string> thrown;
    try {
        result = co_await reconciler_.quarantined(key, quarantine_message);
    } catch (const std::exception& error) {
        thrown = error.what();
    }
    if (thrown) result = ReconcileResult::failed("report quarantine threw: " + *thrown);
    finish(key, result, started, thrown ? LogLevel::Error : LogLevel::Warn);
    co_await asio::post(executor_, asio::use_awaitable);
}

void Controller::finish(const std::string& key, const ReconcileResult& result, MonoTime started,
                        LogLevel failure_level) {
    if (metrics_) metrics_->reconciled(options_.name, std::string(result_label(result)), clock_.steady_now() - started);
    switch (result.kind) {
    case ReconcileResult::Kind::Done:
        queue_.forget(key);
        break;
    case ReconcileResult::Kind::RequeueAfter:
        queue_.forget(key);
        queue_.add_after(key, result.after);
        break;
    case ReconcileResult::Kind::Requeue:
        log_.debug("reconcile requeued", {{"key", key}, {"reason", result.error}, {"retries", queue_.retries(key)}});
        queue_.add_rate_limited(key);
        break;
    case ReconcileResult::Kind::Error:
        log_.log(failure_level, "reconcile failed",
                 {{"key", key}, {"error", result.error}, {"retries", queue_.retries(key)}});
        queue_.add_rate_limited(key);
        break;
    }
    queue_.done(key);
}

} // namespace labfleet::kube
