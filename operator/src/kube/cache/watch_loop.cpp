#include "kube/cache/watch_loop.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "kube/cache/line_splitter.hpp"
#include "kube/cache/list_page.hpp"
#include "kube/cache/watch_event.hpp"
#include "kube/util/log_throttle.hpp"

namespace labfleet::kube {

namespace {

/// Marks the status stopped however the coroutine ends (return, exception, destruction).
struct RunningFlag {
    explicit RunningFlag(std::shared_ptr<WatchStatus> status) : status_(std::move(status)) { status_->running = true; }
    ~RunningFlag() {
        status_->running = false;
        status_->watching = false;
    }
    RunningFlag(const RunningFlag&) = delete;
    RunningFlag& operator=(const RunningFlag&) = delete;

private:
    std::shared_ptr<WatchStatus> status_;
};

/// The states of the first sync (a relist too): a failure there is a failed list.
bool initial_sync(const watcher::State& state) {
    return std::holds_alternative<watcher::Empty>(state) || std::holds_alternative<watcher::InitPage>(state) ||
           std::holds_alternative<watcher::InitStream>(state);
}

/// Reports the loop's failures: logged with their cause (throttled), and the
/// cause of the run going on kept in the status until the server answers.
class FailureReport {
public:
    FailureReport(Logger log, std::chrono::milliseconds interval, std::shared_ptr<WatchStatus> status)
        : log_(std::move(log)), throttle_(interval), status_(std::move(status)) {}

    /// A request failed; `step` is "list" or "watch", `retry_in` the wait before the next.
    void failed(std::string_view step, const ApiError& error, MonoTime now, std::chrono::milliseconds retry_in) {
        const std::string cause = error.describe();
        status_->failure = std::string(step) + " failed: " + cause;
        ++status_->consecutive_failures;
        const auto held_back = throttle_.admit(now);
        if (!held_back) return;
        logged_in_run_ = true;
        log_.warn(std::string(step) + " failed",
                  {{"error", cause}, {"failures", status_->consecutive_failures}, {"suppressed", *held_back},
                   {"retry_in_ms", retry_in.count()}});
    }

    /// The server answered (a page or an event): a run of failures is over.
    void answered() {
        if (status_->consecutive_failures == 0) return;
        if (logged_in_run_) log_.info("list and watch work again", {{"failures", status_->consecutive_failures}});
        status_->failure.reset();
        status_->consecutive_failures = 0;
        logged_in_run_ = false;
    }

private:
    Logger log_;
    LogThrottle throttle_;
    std::shared_ptr<WatchStatus> status_;
    bool logged_in_run_ = false;  // a failure of this run was logged: its end is worth a line too
};

/// The states whose next step reads the open stream.
bool reads_stream(const watcher::State& state) {
    return std::holds_alternative<watcher::InitStream>(state) || std::holds_alternative<watcher::Watching>(state);
}

} // namespace

bool WatchStatus::alive(MonoTime now, std::chrono::milliseconds window) const {
    return running && last_step && now - *last_step <= window;
}

std::chrono::milliseconds alive_window(const WatchLoopOptions& options) {
    return options.idle_timeout + options.backoff.max + std::chrono::seconds{30};
}

asio::awaitable<void> run_watch_loop(Client& client, ResourceType type, Store& store, const Clock& clock,
                                     WatchLoopOptions options, std::shared_ptr<WatchStatus> status) {
    const RunningFlag running(status);
    const ObjectTrim trim(options.trim_pointers);
    const watcher::RequestConfig config{options.label_selector, options.field_selector, options.page_size,
                                        static_cast<int>(options.server_timeout.count()), options.streaming_list};
    Backoff backoff(clock, options.backoff);
    const Logger log = (options.logger ? *options.logger : default_logger().named("informer"))
                           .with({{"resource", type.plural}});
    FailureReport failures(log, options.failure_log_interval, status);
    asio::steady_timer timer(co_await asio::this_coro::executor);
    watcher::State state = watcher::initial_state(options.initial_list_from_cache);
    std::unique_ptr<WatchStream> stream;
    MonoTime watch_opened_at{};
    bool events_since_open = false;
    status->last_step = clock.steady_now();

    while (!status->stop_requested) {
        watcher::Input input = watcher::WatchEnded{};
        const watcher::Request request = watcher::next_request(state, config);
        if (const auto* list = std::get_if<ListOptions>(&request)) {
            auto response = co_await client.send(requests::list(type, options.ns, *list));
            if (!response) {
                input = watcher::ListFailed{response.error()};
            } else if (auto page = parse_list_page(response->body, type, trim); !page) {
                input = watcher::ListFailed{page.error()};
            } else {
                input = watcher::ListPageReceived{std::move(page).value()};
            }
        } else if (const auto* watch = std::get_if<WatchOptions>(&request)) {
            auto opened = co_await client.stream(requests::watch(type, options.ns, *watch), options.idle_timeout);
            if (!opened) {
                input = watcher::WatchFailed{opened.error()};
            } else {
                stream = std::move(opened).value();
                ++status->watches_opened;
                watch_opened_at = clock.steady_now();
                events_since_open = false;
                input = watcher::WatchOpened{};
            }
        } else {
            assert(stream && "reading events without a stream");
            for (;;) {
                auto line = co_await stream->next_line();
                if (!line) {
                    input = watcher::WatchFailed{line.error()};
                } else if (!line->has_value()) {
                    const bool premature =
                        !events_since_open && clock.steady_now() - watch_opened_at < options.min_watch_duration;
                    input = watcher::WatchEnded{premature};
                } else if (is_blank(**line)) {
                    continue;
                } else if (auto event = parse_watch_event(**line, trim); !event) {
                    input = watcher::WatchFailed{event.error()};
                } else {
                    events_since_open = true;
                    input = watcher::EventReceived{std::move(event).value()};
                }
                break;
            }
        }
        const bool from_server = std::holds_alternative<watcher::ListPageReceived>(input) ||
                                 std::holds_alternative<watcher::WatchOpened>(input) ||
                                 std::holds_alternative<watcher::EventReceived>(input);
        // An open stream alone does not end a run of failures: data must arrive.
        const bool answered = std::holds_alternative<watcher::ListPageReceived>(input) ||
                              std::holds_alternative<watcher::EventReceived>(input);
        const std::string_view step_name = initial_sync(state) ? "list" : "watch";

        watcher::Step result = watcher::step(std::move(state), std::move(input));
        state = std::move(result.state);
        if (!reads_stream(state)) stream.reset();
        for (auto& action : result.actions) watcher::apply(store, std::move(action));

        const MonoTime now = clock.steady_now();
        status->last_step = now;
        status->state = std::string(watcher::state_name(state));
        status->watching = std::holds_alternative<watcher::Watching>(state);
        if (from_server) status->last_event = now;
        if (answered) failures.answered();
        if (result.error) status->last_error = result.error;
        if (result.error && !result.back_off && watcher::refuses_streaming(*result.error))
            log.info("streaming list refused; listing in pages", {{"error", result.error->describe()}});
        if (!result.back_off) continue;
        if (status->stop_requested) break;
        const auto delay = backoff.next_delay(result.error ? result.error->retry_after : std::nullopt);
        if (result.error && watcher::needs_relist(*result.error))
            log.debug("resource version expired; relisting", {{"error", result.error->describe()}});
        else if (result.error)
            failures.failed(step_name, *result.error, now, delay);
        status->current_backoff = delay;
        timer.expires_after(delay);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        status->current_backoff = std::chrono::milliseconds{0};
        status->last_step = clock.steady_now();
    }
}

} // namespace labfleet::kube
