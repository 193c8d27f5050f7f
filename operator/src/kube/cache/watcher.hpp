#pragma once
// Watcher: the list+watch state machine of one kind, as a pure step function
// (no I/O, no clock) so every transition is tested without a network. The
// driver (watch_loop.hpp) makes the request next_request() names, feeds the
// outcome to step(), applies the store actions and sleeps when told to.
//
//   Empty{list RV} --page with continue--> InitPage{continue} --last page--> InitListed{RV}
//   Empty{list RV} --streaming watch opened--> InitStream --initial-events-end--> Watching{RV}
//   InitListed --watch opened--> Watching{RV} --event/bookmark--> Watching{newer RV}
//   Watching --clean end--> InitListed{RV}          (resume, no relist)
//   any --410 Gone / RV too large--> Empty{""}      (relist, swapped in at once)
//   any --other error--> same state, back off       (retry the same request)
//
// The first sync is a paged list, or with RequestConfig::streaming_list a
// streaming list: one watch with sendInitialEvents=true that sends every
// object as ADDED and then a bookmark marking the end of the initial events.
// The server serves it from its watch cache an object at a time, so neither
// side holds a page, and it needs no etcd reads. A server that refuses it
// (400/422: the WatchList feature is off) gets a paged list instead.
//
// Resource versions, as client-go's reflector does: the very first list asks
// for resourceVersion "0" (any version, served from the API server's watch
// cache, cheap on restarts of many operators; the watch that follows starts
// at the list's RV so nothing is missed). After a 410 the relist asks for ""
// (a consistent read): the watch cache may be as old as what expired. Pages
// after the first carry only the continue token (the server rejects RV with
// continue). Unlike client-go, which first relists at the last RV after a
// watch 410, we go straight to "": one code path, and the relist is rare.

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kube/client/api_error.hpp"
#include "kube/json/json.hpp"
#include "kube/cache/list_page.hpp"
#include "kube/client/request.hpp"
#include "kube/cache/store.hpp"
#include "kube/cache/watch_event.hpp"

namespace labfleet::kube {

namespace watcher {

// --- States ---------------------------------------------------------------
/// Nothing listed yet (or a relist is due); the next list asks for this RV.
struct Empty {
    std::string list_resource_version;
    /// The server refused a streaming list: list in pages this time.
    bool streaming_refused = false;
    bool operator==(const Empty&) const = default;
};
/// A paged list is under way. Its items are buffered by the store (between
/// InitBegin and InitDone), not here, so a relist is held in memory once.
struct InitPage {
    std::string continue_token;
    std::size_t items_so_far = 0;
    bool operator==(const InitPage&) const = default;
};
/// A streaming list is under way: its ADDED events are buffered by the store
/// until the bookmark that ends the initial events.
struct InitStream {
    std::size_t items_so_far = 0;
    bool operator==(const InitStream&) const = default;
};
/// Listed (or a watch ended); the next step opens a watch from this RV.
struct InitListed {
    std::string resource_version;
    bool operator==(const InitListed&) const = default;
};
/// A watch stream is open; events advance the RV.
struct Watching {
    std::string resource_version;
    bool operator==(const Watching&) const = default;
};
using State = std::variant<Empty, InitPage, InitStream, InitListed, Watching>;

/// Where a watcher starts: a list of RV "0", or "" when `list_from_cache` is false.
State initial_state(bool list_from_cache = true);

// --- Inputs ---------------------------------------------------------------
struct ListPageReceived { ListPage page; };
struct ListFailed { ApiError error; };
struct WatchOpened {};
struct EventReceived { WatchEvent event; };
/// The server ended the stream (its timeoutSeconds). `premature` when it
/// ended at once without events: a proxy cutting streams must not spin us.
struct WatchEnded { bool premature = false; };
/// Opening or reading the watch failed: HTTP error, ERROR event, idle timeout.
struct WatchFailed { ApiError error; };
using Input = std::variant<ListPageReceived, ListFailed, WatchOpened, EventReceived, WatchEnded, WatchFailed>;

// --- Outputs --------------------------------------------------------------
namespace action {
struct InitBegin { bool operator==(const InitBegin&) const = default; };
struct InitApply { std::vector<ObjectPtr> objects; };
struct InitDone { std::string resource_version; bool operator==(const InitDone&) const = default; };
struct Apply { ObjectPtr object; };
struct Delete { ObjectPtr object; };
struct Bookmark { std::string resource_version; bool operator==(const Bookmark&) const = default; };
} // namespace action
using StoreAction = std::variant<action::InitBegin, action::InitApply, action::InitDone, action::Apply,
                                 action::Delete, action::Bookmark>;
/// Carries out `action` on `store` (the watch loop's and the fuzzer's one way).
void apply(Store& store, StoreAction action);

/// The outcome of one step.
struct Step {
    State state;
    std::vector<StoreAction> actions;
    /// Sleep the backoff before the next request (the input was a failure).
    bool back_off = false;
    /// The failure that caused the transition, for logs and health.
    std::optional<ApiError> error;
};

/// Advances the machine. An input that cannot happen in `state` (a driver
/// bug) asserts in debug builds and leaves the state unchanged.
Step step(State state, Input input);

// --- Requests -------------------------------------------------------------
/// What a driver should do next in a state.
struct ReadEvent { bool operator==(const ReadEvent&) const = default; };
using Request = std::variant<ListOptions, WatchOptions, ReadEvent>;

struct RequestConfig {
    std::string label_selector;
    std::string field_selector;
    int page_size = 500;
    int server_timeout_seconds = 290;
    /// Sync first with a streaming list rather than a paged one.
    bool streaming_list = false;
};

Request next_request(const State& state, const RequestConfig& config);

/// 410 Gone, or "too large resource version" (the server is behind us): only a relist from "" helps.
bool needs_relist(const ApiError& error);

/// The server does not take a streaming list (400 or 422 on sendInitialEvents).
bool refuses_streaming(const ApiError& error);

std::string_view state_name(const State& state);

} // namespace watcher

} // namespace labfleet::kube
