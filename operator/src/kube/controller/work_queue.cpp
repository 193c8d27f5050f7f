#include "kube/controller/work_queue.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace labfleet::kube {

WorkQueue::WorkQueue(asio::any_io_executor executor, const Clock& clock, RateLimiterOptions limits,
                     WorkQueueObserver* observer)
    : clock_(clock), limiter_(clock, limits), observer_(observer), delay_timer_(executor), wake_(executor) {
    wake_.expires_at(asio::steady_timer::time_point::max());
}

void WorkQueue::add(const std::string& key, Priority priority) {
    if (shutting_down_) return;
    if (observer_) observer_->added();
    const auto [it, inserted] = dirty_.try_emplace(key, Dirty{priority, 0, clock_.steady_now(), false});
    Dirty& dirty = it->second;
    if (!inserted) {
        if (priority == Priority::Normal && dirty.priority == Priority::Low) {
            dirty.priority = Priority::Normal;
            if (dirty.queued) {  // promote: the Low entry becomes stale
                dirty.generation = ++next_generation_;
                normal_.push_back({key, dirty.generation});
                wake_.cancel_one();
            }
        }
        return;
    }
    if (processing_.contains(key)) return;  // queued again by done()
    enqueue(key, dirty);
}

void WorkQueue::enqueue(const std::string& key, Dirty& dirty) {
    dirty.generation = ++next_generation_;
    dirty.queued = true;
    dirty.added_at = clock_.steady_now();
    ++queued_count_;
    (dirty.priority == Priority::Normal ? normal_ : low_).push_back({key, dirty.generation});
    report_depth();
    wake_.cancel_one();
}

void WorkQueue::add_after(const std::string& key, std::chrono::nanoseconds delay, Priority priority) {
    if (shutting_down_) return;
    if (delay <= std::chrono::nanoseconds::zero()) {
        add(key, priority);
        return;
    }
    const MonoTime due = clock_.steady_now() + delay;
    const auto [it, inserted] = waiting_.try_emplace(key, due);
    if (!inserted) {
        if (it->second <= due) return;
        it->second = due;
    }
    delayed_.push({due, next_sequence_++, key, priority});
    arm_timer();
}

void WorkQueue::add_rate_limited(const std::string& key) {
    if (shutting_down_) return;
    if (observer_) observer_->retried();
    add_after(key, limiter_.when(key));
}

std::optional<std::string> WorkQueue::pop(std::deque<Entry>& queue) {
    while (!queue.empty()) {
        Entry entry = std::move(queue.front());
        queue.pop_front();
        const auto it = dirty_.find(entry.key);
        if (it != dirty_.end() && it->second.queued && it->second.generation == entry.generation)
            return std::move(entry.key);
    }
    return std::nullopt;
}

std::optional<std::string> WorkQueue::try_get() {
    if (shutting_down_) return std::nullopt;
    std::optional<std::string> key = pop(normal_);
    if (!key) key = pop(low_);
    if (!key) return std::nullopt;

    const MonoTime now = clock_.steady_now();
    const auto it = dirty_.find(*key);
    if (observer_) observer_->queue_latency(now - it->second.added_at);
    dirty_.erase(it);
    --queued_count_;
    processing_.emplace(*key, now);
    report_depth();
    return key;
}

asio::awaitable<std::optional<std::string>> WorkQueue::get() {
    for (;;) {
        if (shutting_down_) co_return std::nullopt;
        if (std::optional<std::string> key = try_get()) co_return key;
        // Woken by cancel_one() on add and cancel() on shut_down; either way, look again.
        co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

void WorkQueue::done(const std::string& key) {
    const auto it = processing_.find(key);
    if (it == processing_.end()) return;
    if (observer_) observer_->work_duration(clock_.steady_now() - it->second);
    processing_.erase(it);
    if (shutting_down_) return;
    if (const auto dirty = dirty_.find(key); dirty != dirty_.end()) enqueue(key, dirty->second);
}

void WorkQueue::shut_down() {
    shutting_down_ = true;
    armed_for_.reset();
    delay_timer_.cancel();
    wake_.cancel();
}

void WorkQueue::advance() {
    const MonoTime now = clock_.steady_now();
    while (!delayed_.empty() && delayed_.top().due <= now) {
        Delayed item = delayed_.top();
        delayed_.pop();
        const auto it = waiting_.find(item.key);
        if (it == waiting_.end() || it->second != item.due) continue;  // replaced by an earlier deadline
        waiting_.erase(it);
        add(item.key, item.priority);
    }
    prune_delayed();
}

void WorkQueue::prune_delayed() {
    while (!delayed_.empty()) {
        const Delayed& top = delayed_.top();
        const auto it = waiting_.find(top.key);
        if (it != waiting_.end() && it->second == top.due) return;
        delayed_.pop();
    }
}

std::optional<MonoTime> WorkQueue::next_deadline() const {
    if (delayed_.empty()) return std::nullopt;
    return delayed_.top().due;
}

void WorkQueue::arm_timer() {
    prune_delayed();
    if (shutting_down_ || delayed_.empty()) return;
    const MonoTime next = delayed_.top().due;
    if (armed_for_ && *armed_for_ <= next) return;
    armed_for_ = next;
    delay_timer_.expires_after(std::max(next - clock_.steady_now(), MonoTime::duration::zero()));
    // Aborted waits (re-armed, shut down, queue destroyed) must not touch `this`.
    delay_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec != asio::error::operation_aborted) on_timer();
    });
}

void WorkQueue::on_timer() {
    armed_for_.reset();
    advance();
    arm_timer();
}

UnfinishedWork WorkQueue::unfinished_work() const {
    const MonoTime now = clock_.steady_now();
    UnfinishedWork work;
    for (const auto& [key, started] : processing_) {
        work.total += now - started;
        work.longest = std::max(work.longest, std::chrono::nanoseconds{now - started});
    }
    return work;
}

void WorkQueue::report_depth() {
    if (observer_) observer_->depth_changed(queued_count_);
}

} // namespace labfleet::kube
