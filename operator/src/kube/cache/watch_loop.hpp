#pragma once
// The watch loop: drives the watcher state machine (watcher.hpp) over a
// Client, keeping one Store in line with the API server until asked to stop.
// Every wait is bounded: the server ends a watch after timeoutSeconds, the
// client gives up on a stream silent for idle_timeout, failures back off
// (a server's Retry-After is honoured up to backoff.max).
//
// Failures are never silent: each failed list or watch is logged with its
// cause (the first of a run at once, then at most one per
// failure_log_interval, counting those held back), and the cause of the run
// going on is kept in WatchStatus::failure for /readyz until the server
// answers again. A 410 Gone (relist) is routine and logged at debug.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "kube/client/client.hpp"
#include "kube/util/clock.hpp"
#include "kube/util/logger.hpp"
#include "kube/client/resource.hpp"
#include "kube/cache/store.hpp"
#include "kube/cache/watcher.hpp"
#include "kube/cache/backoff.hpp"

namespace labfleet::kube {

struct WatchLoopOptions {
    std::string ns;              // "" = all namespaces (or a cluster-scoped kind)
    std::string label_selector;  // e.g. "app.kubernetes.io/managed-by=labfleet"
    std::string field_selector;
    int page_size = 500;
    /// Server-side end of each watch; the watch is then resumed from the last RV.
    std::chrono::seconds server_timeout{290};
    /// A stream silent this long is dead (bookmarks arrive about every minute).
    std::chrono::milliseconds idle_timeout{std::chrono::seconds{295}};
    /// A watch ending sooner than this with no event counts as a failure.
    std::chrono::milliseconds min_watch_duration{std::chrono::seconds{1}};
    /// First list from the watch cache (resourceVersion "0"), as client-go does.
    bool initial_list_from_cache = true;
    /// Sync with a streaming list (watch with sendInitialEvents) rather than
    /// paged lists; falls back to pages if the server refuses it.
    bool streaming_list = false;
    /// JSON pointers dropped before caching, on top of metadata.managedFields.
    std::vector<std::string> trim_pointers{last_applied_pointer};
    BackoffPolicy backoff;
    /// After the first failure of a run is logged, at most one more per interval.
    std::chrono::milliseconds failure_log_interval{std::chrono::seconds{30}};
    /// Where failures are logged; nullopt = default_logger() at the loop's start.
    std::optional<Logger> logger;
};

/// Shared by a running loop and its owner: the stop request and the health
/// that /readyz reports. Touched only on the io_context thread.
struct WatchStatus {
    bool stop_requested = false;
    bool running = false;
    /// A watch stream is open.
    bool watching = false;
    /// The last time the loop finished a step (answer, event, failure) or woke from a backoff.
    std::optional<MonoTime> last_step;
    /// The last time something arrived from the server (page, event, bookmark).
    std::optional<MonoTime> last_event;
    std::optional<ApiError> last_error;
    /// Why the lists or watches are failing right now, e.g. "list failed:
    /// Unauthorized (401): Unauthorized"; nullopt once the server answers again.
    std::optional<std::string> failure;
    /// Failures in a row, ended by an answer from the server.
    std::size_t consecutive_failures = 0;
    /// Watch streams opened so far; each after the first is a restart (the
    /// server ends one every server_timeout, a failure ends it sooner).
    std::uint64_t watches_opened = 0;

    std::string state = "Empty";
    std::chrono::milliseconds current_backoff{0};

    /// Alive: running and either watching or stepping within `window` (a loop
    /// that died or hangs stops stepping; the idle timeout bounds a stream).
    bool alive(MonoTime now, std::chrono::milliseconds window) const;
};

/// The liveness window that fits `options`: a full idle timeout plus the longest backoff, plus slack.
std::chrono::milliseconds alive_window(const WatchLoopOptions& options);

/// Runs list+watch for `type` into `store` until status->stop_requested is
/// set or the coroutine is cancelled. `client`, `store` and `clock` must
/// outlive the coroutine. Expected failures never leave the loop.
asio::awaitable<void> run_watch_loop(Client& client, ResourceType type, Store& store, const Clock& clock,
                                     WatchLoopOptions options, std::shared_ptr<WatchStatus> status);

} // namespace labfleet::kube
