#pragma once
// WorkQueue: the keys waiting for a reconcile, as client-go's workqueue, for
// workers that are coroutines on ONE io_context thread.
//
// Guarantees:
// - a key is queued at most once (adds while queued are merged);
// - a key handed out by get() is not handed out again until done(key); adds
//   meanwhile mark it dirty and it is queued again at done();
// - two priorities: Normal (watch events, retries) is always served before
//   Low (initial list and resync adds), so a flood of initial adds cannot
//   starve real changes; adding a queued Low key as Normal promotes it;
// - add_after() and add_rate_limited() hold keys in a deadline heap that an
//   asio::steady_timer drains in production; tests drive it with
//   FakeClock::advance() followed by advance().
// After shut_down(), get() returns nullopt (waiting workers wake at once) and
// adds are ignored. The queue must outlive the workers awaiting get().

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kube/util/clock.hpp"
#include "kube/controller/rate_limiter.hpp"

namespace labfleet::kube {

namespace asio = boost::asio;

enum class Priority { Normal, Low };

/// Metric hooks (workqueue_* in the manager); every method defaults to a no-op.
class WorkQueueObserver {
public:
    virtual ~WorkQueueObserver() = default;
    virtual void depth_changed(std::size_t /*depth*/) {}
    virtual void added() {}
    /// Time a key waited in the queue before a worker got it.
    virtual void queue_latency(std::chrono::nanoseconds /*waited*/) {}
    /// Time between get() and done() of a key.
    virtual void work_duration(std::chrono::nanoseconds /*took*/) {}
    virtual void retried() {}
};

/// Work handed out and not done yet (workqueue_unfinished_work_seconds and
/// workqueue_longest_running_processor_seconds).
struct UnfinishedWork {
    std::chrono::nanoseconds total{0};
    std::chrono::nanoseconds longest{0};
};

class WorkQueue {
public:
    /// `clock`, `observer` (may be null) and the executor's context must outlive the queue.
    WorkQueue(asio::any_io_executor executor, const Clock& clock, RateLimiterOptions limits = {},
              WorkQueueObserver* observer = nullptr);
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    void add(const std::string& key, Priority priority = Priority::Normal);
    /// Adds `key` once `delay` has passed; an earlier pending deadline for the
    /// same key wins. A delay <= 0 adds at once.
    void add_after(const std::string& key, std::chrono::nanoseconds delay, Priority priority = Priority::Normal);
    /// Adds `key` after the rate limiter's delay (a failed reconcile).
    void add_rate_limited(const std::string& key);
    /// Resets the failures of `key` (a reconcile succeeded).
    void forget(const std::string& key) { limiter_.forget(key); }
    int retries(const std::string& key) const { return limiter_.retries(key); }

    /// The next key to process, waiting until there is one; nullopt once shut down.
    asio::awaitable<std::optional<std::string>> get();
    /// The next key if one is ready now, without waiting.
    std::optional<std::string> try_get();
    /// Marks `key` processed; re-queues it if it was added meanwhile.
    void done(const std::string& key);

    void shut_down();
    bool shutting_down() const { return shutting_down_; }

    /// Moves keys whose add_after deadline has passed into the queue. Called
    /// by the timer; tests call it after advancing a FakeClock.
    void advance();
    /// The earliest pending add_after deadline.
    std::optional<MonoTime> next_deadline() const;

    /// Keys queued (not processing, not delayed).
    std::size_t len() const { return queued_count_; }
    std::size_t waiting_count() const { return waiting_.size(); }
    UnfinishedWork unfinished_work() const;

private:
    struct Dirty {
        Priority priority;
        std::uint64_t generation;  // identifies the live queue entry of this key
        MonoTime added_at;
        bool queued;  // false while the key waits for done()
    };
    struct Entry {
        std::string key;
        std::uint64_t generation;
    };
    struct Delayed {
        MonoTime due;
        std::uint64_t sequence;  // FIFO among equal deadlines
        std::string key;
        Priority priority;
        bool operator>(const Delayed& o) const { return due != o.due ? due > o.due : sequence > o.sequence; }
    };

    void enqueue(const std::string& key, Dirty& dirty);
    std::optional<std::string> pop(std::deque<Entry>& queue);
    void prune_delayed();
    void arm_timer();
    void on_timer();
    void report_depth();

    const Clock& clock_;
    RateLimiter limiter_;
    WorkQueueObserver* observer_;
    std::unordered_map<std::string, Dirty> dirty_;  // needs processing (queued, or processing and re-added)
    std::size_t queued_count_ = 0;
    std::unordered_map<std::string, MonoTime> processing_;
    std::deque<Entry> normal_;
    std::deque<Entry> low_;
    std::uint64_t next_generation_ = 0;

    std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_;
    std::unordered_map<std::string, MonoTime> waiting_;  // key -> its live deadline
    std::uint64_t next_sequence_ = 0;
    asio::steady_timer delay_timer_;
    std::optional<MonoTime> armed_for_;

    asio::steady_timer wake_;  // never expires; cancelled to wake workers in get()
    bool shutting_down_ = false;
};

} // namespace labfleet::kube
