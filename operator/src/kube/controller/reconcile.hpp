#pragma once
// What a reconcile returns, as controller-runtime: done, requeue after a
// delay (level-based polling such as a lease deadline), requeue (normal churn
// that a re-read resolves) or an error; the last two are retried with the
// key's exponential backoff, but only an error is logged as a warning and
// counted in controller_runtime_reconcile_errors_total.

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>

namespace labfleet::kube {

struct ReconcileResult {
    enum class Kind { Done, RequeueAfter, Requeue, Error };
    Kind kind = Kind::Done;
    std::chrono::milliseconds after{0};
    std::string error;  // what failed, or why it runs again, for the log

    static ReconcileResult done() { return {}; }
    static ReconcileResult requeue_after(std::chrono::milliseconds delay) { return {Kind::RequeueAfter, delay, {}}; }
    /// Nothing needs a person: e.g. a write refused with Conflict because the
    /// cache was a step behind (controller-runtime's Result{Requeue: true}).
    static ReconcileResult requeue(std::string why) { return {Kind::Requeue, {}, std::move(why)}; }
    static ReconcileResult failed(std::string what) { return {Kind::Error, {}, std::move(what)}; }
};

/// A level-based reconciler: it gets only a key ("name" or "ns/name"), reads
/// the world from caches and makes it as desired.
class Reconciler {
public:
    virtual ~Reconciler() = default;
    virtual boost::asio::awaitable<ReconcileResult> reconcile(std::string key) = 0;

    /// What a person last declared for `key`, such as its object's uid and
    /// metadata.generation ("" when the object is gone). A key quarantined
    /// by a crash record (crash_record.hpp) stays so while this is unchanged;
    /// by default it never changes.
    virtual std::string revision(const std::string& /*key*/) { return {}; }
    /// Reports that `key` is quarantined and not reconciled; `why` says so
    /// in words for the object's status. By default, nothing is reported.
    virtual boost::asio::awaitable<ReconcileResult> quarantined(std::string key, std::string why);
};

} // namespace labfleet::kube
