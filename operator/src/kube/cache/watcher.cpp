#include "kube/cache/watcher.hpp"

#include <cassert>

#include "kube/util/overloaded.hpp"

namespace labfleet::kube::watcher {

namespace {

Step failure(State state, ApiError error) {
    if (needs_relist(error)) state = Empty{""};
    return Step{std::move(state), {}, /*back_off=*/true, std::move(error)};
}

Step unexpected(State state) {
    assert(!"watcher input that cannot happen in this state");
    return Step{std::move(state), {}, false, std::nullopt};
}

/// A page arrived in Empty (first page) or InitPage (later page).
Step page_received(bool first_page, std::size_t items_before, ListPage page) {
    Step result{Empty{}, {}, false, std::nullopt};
    if (first_page) result.actions.emplace_back(action::InitBegin{});
    const std::size_t items = items_before + page.items.size();
    if (!page.items.empty()) result.actions.emplace_back(action::InitApply{std::move(page.items)});
    if (!page.continue_token.empty()) {
        result.state = InitPage{std::move(page.continue_token), items};
        return result;
    }
    result.actions.emplace_back(action::InitDone{page.resource_version});
    result.state = InitListed{std::move(page.resource_version)};
    return result;
}

Step event_received(Watching watching, WatchEvent event) {
    Step result{Empty{}, {}, false, std::nullopt};
    switch (event.type) {
    case WatchEventType::Added:
    case WatchEventType::Modified: result.actions.emplace_back(action::Apply{std::move(event.object)}); break;
    case WatchEventType::Deleted: result.actions.emplace_back(action::Delete{std::move(event.object)}); break;
    case WatchEventType::Bookmark: result.actions.emplace_back(action::Bookmark{event.resource_version}); break;
    }
    if (!event.resource_version.empty()) watching.resource_version = std::move(event.resource_version);
    result.state = std::move(watching);
    return result;
}

/// A watch from `resource_version` with bookmarks and the server timeout.
WatchOptions watch_options(const RequestConfig& config, const std::string& resource_version) {
    WatchOptions options;
    options.label_selector = config.label_selector;
    options.field_selector = config.field_selector;
    options.resource_version = resource_version;
    options.timeout_seconds = config.server_timeout_seconds;
    options.allow_bookmarks = true;
    return options;
}

/// An event of a streaming list's initial events: buffered until the bookmark that ends them.
Step initial_event_received(InitStream stream, WatchEvent event) {
    Step result{Empty{}, {}, false, std::nullopt};
    switch (event.type) {
    case WatchEventType::Added:
    case WatchEventType::Modified:
        ++stream.items_so_far;
        result.actions.emplace_back(action::InitApply{{std::move(event.object)}});
        break;
    case WatchEventType::Deleted:
        return failure(Empty{""}, decode_error("streaming list", "DELETED among the initial events"));
    case WatchEventType::Bookmark:
        if (!event.initial_events_end) break;
        result.actions.emplace_back(action::InitDone{event.resource_version});
        result.state = Watching{std::move(event.resource_version)};
        return result;
    }
    result.state = stream;
    return result;
}

} // namespace

State initial_state(bool list_from_cache) { return Empty{list_from_cache ? "0" : ""}; }

bool needs_relist(const ApiError& error) {
    if (error.reason == ErrorReason::Gone) return true;
    for (const auto& cause : error.causes)
        if (cause.reason == "ResourceVersionTooLarge") return true;
    return false;
}

bool refuses_streaming(const ApiError& error) {
    return error.reason == ErrorReason::BadRequest || error.reason == ErrorReason::Invalid;
}

Step step(State state, Input input) {
    return std::visit(
        Overloaded{
            [&](Empty&, ListPageReceived& in) { return page_received(true, 0, std::move(in.page)); },
            [&](InitPage& page, ListPageReceived& in) {
                return page_received(false, page.items_so_far, std::move(in.page));
            },
            [&](Empty&, ListFailed& in) { return failure(std::move(state), std::move(in.error)); },
            [&](Empty&, WatchOpened&) {
                return Step{InitStream{}, {action::InitBegin{}}, false, std::nullopt};
            },
            [&](Empty& empty, WatchFailed& in) {
                if (!refuses_streaming(in.error)) return failure(std::move(state), std::move(in.error));
                return Step{Empty{std::move(empty.list_resource_version), true}, {}, false, std::move(in.error)};
            },
            [&](InitStream& stream, EventReceived& in) {
                return initial_event_received(stream, std::move(in.event));
            },
            [&](InitStream&, WatchEnded&) {
                return failure(Empty{""}, decode_error("streaming list", "the stream ended before its initial events"));
            },
            [&](InitStream&, WatchFailed& in) { return failure(Empty{""}, std::move(in.error)); },
            [&](InitPage&, ListFailed& in) { return failure(std::move(state), std::move(in.error)); },
            [&](InitListed& listed, WatchOpened&) {
                return Step{Watching{std::move(listed.resource_version)}, {}, false, std::nullopt};
            },
            [&](Watching& watching, EventReceived& in) {
                return event_received(std::move(watching), std::move(in.event));
            },
            [&](Watching& watching, WatchEnded& in) {
                return Step{InitListed{std::move(watching.resource_version)}, {}, in.premature, std::nullopt};
            },
            [&](InitListed&, WatchFailed& in) { return failure(std::move(state), std::move(in.error)); },
            [&](Watching& watching, WatchFailed& in) {
                return failure(InitListed{std::move(watching.resource_version)}, std::move(in.error));
            },
            [&](auto&, auto&) { return unexpected(std::move(state)); },
        },
        state, input);
}

Request next_request(const State& state, const RequestConfig& config) {
    return std::visit(
        Overloaded{
            [&](const Empty& empty) -> Request {
                if (config.streaming_list && !empty.streaming_refused) {
                    WatchOptions options = watch_options(config, empty.list_resource_version);
                    options.send_initial_events = true;
                    return options;
                }
                ListOptions options;
                options.label_selector = config.label_selector;
                options.field_selector = config.field_selector;
                options.limit = config.page_size;
                options.resource_version = empty.list_resource_version;
                return options;
            },
            [&](const InitPage& page) -> Request {
                ListOptions options;
                options.label_selector = config.label_selector;
                options.field_selector = config.field_selector;
                options.limit = config.page_size;
                options.continue_token = page.continue_token;
                return options;
            },
            [&](const InitListed& listed) -> Request { return watch_options(config, listed.resource_version); },
            [&](const InitStream&) -> Request { return ReadEvent{}; },
            [&](const Watching&) -> Request { return ReadEvent{}; },
        },
        state);
}

std::string_view state_name(const State& state) {
    return std::visit(Overloaded{
                          [](const Empty&) { return std::string_view("Empty"); },
                          [](const InitPage&) { return std::string_view("InitPage"); },
                          [](const InitStream&) { return std::string_view("InitStream"); },
                          [](const InitListed&) { return std::string_view("InitListed"); },
                          [](const Watching&) { return std::string_view("Watching"); },
                      },
                      state);
}

void apply(Store& store, StoreAction action) {
    std::visit(Overloaded{
                   [&](action::InitBegin&) { store.init_begin(); },
                   [&](action::InitApply& a) { store.init_apply(std::move(a.objects)); },
                   [&](action::InitDone& a) { store.init_done(std::move(a.resource_version)); },
                   [&](action::Apply& a) { store.apply(std::move(a.object)); },
                   [&](action::Delete& a) { store.remove(a.object); },
                   [&](action::Bookmark& a) { store.bookmark(std::move(a.resource_version)); },
               },
               action);
}

} // namespace labfleet::kube::watcher
