#pragma once
// What a reconcile returns, as controller-runtime: done, requeue after a
// delay (level-based polling such as a lease deadline), or an error that the
// queue retries with per-key exponential backoff.

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>

namespace labfleet::kube {

struct ReconcileResult {
    enum class Kind { Done, RequeueAfter, Error };
    Kind kind = Kind::Done;
    std::chrono::milliseconds after{0};
    std::string error;  // what failed, for the log

    static ReconcileResult done() { return {}; }
    static ReconcileResult requeue_after(std::chrono::milliseconds delay) { return {Kind::RequeueAfter, delay, {}}; }
    static ReconcileResult failed(std::string what) { return {Kind::Error, {}, std::move(what)}; }
};

/// A level-based reconciler: it gets only a key ("name" or "ns/name"), reads
/// the world from caches and makes it as desired.
class Reconciler {
public:
    virtual ~Reconciler() = default;
    virtual boost::asio::awaitable<ReconcileResult> reconcile(std::string key) = 0;
};

} // namespace labfleet::kube
