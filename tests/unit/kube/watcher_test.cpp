#include <catch2/catch.hpp>

#include "kube/cache/watcher.hpp"

using namespace labfleet::kube;
namespace w = labfleet::kube::watcher;

namespace {

ObjectPtr object(const std::string& name, const std::string& rv) {
    return std::make_shared<const Json>(Json{{"metadata", {{"name", name}, {"namespace", "n"}, {"resourceVersion", rv}}}});
}

ListPage page(std::vector<ObjectPtr> items, std::string rv, std::string continue_token = "") {
    return ListPage{std::move(items), std::move(rv), std::move(continue_token)};
}

WatchEvent event(WatchEventType type, const std::string& name, const std::string& rv) {
    return WatchEvent{type, object(name, rv), rv};
}

ApiError error(ErrorReason reason, int status) {
    ApiError e;
    e.reason = reason;
    e.http_status = status;
    return e;
}

template <class T>
const T& only_action(const w::Step& step, std::size_t index = 0) {
    REQUIRE(index < step.actions.size());
    REQUIRE(std::holds_alternative<T>(step.actions[index]));
    return std::get<T>(step.actions[index]);
}

} // namespace

TEST_CASE("the first list asks the watch cache (RV 0) in pages of 500") {
    const w::State state = w::initial_state();
    CHECK(state == w::State{w::Empty{"0"}});
    auto request = w::next_request(state, {"app=x", "", 500, 290});
    REQUIRE(std::holds_alternative<ListOptions>(request));
    const auto& list = std::get<ListOptions>(request);
    CHECK(list.limit == 500);
    CHECK(list.resource_version == "0");
    CHECK(list.continue_token.empty());
    CHECK(list.label_selector == "app=x");
    CHECK(w::initial_state(false) == w::State{w::Empty{""}});
}

TEST_CASE("a paged list buffers pages and swaps them in at the last one") {
    auto first = w::step(w::Empty{"0"}, w::ListPageReceived{page({object("a", "1"), object("b", "2")}, "10", "c1")});
    CHECK_FALSE(first.back_off);
    REQUIRE(first.actions.size() == 2);
    only_action<w::action::InitBegin>(first, 0);
    CHECK(only_action<w::action::InitApply>(first, 1).objects.size() == 2);
    REQUIRE(std::holds_alternative<w::InitPage>(first.state));
    CHECK(std::get<w::InitPage>(first.state).continue_token == "c1");
    CHECK(std::get<w::InitPage>(first.state).items_so_far == 2);

    // Later pages carry only the continue token (the server rejects RV with continue).
    auto request = w::next_request(first.state, {"", "", 500, 290});
    const auto& list = std::get<ListOptions>(request);
    CHECK(list.continue_token == "c1");
    CHECK(list.resource_version.empty());
    CHECK(list.limit == 500);

    auto middle = w::step(first.state, w::ListPageReceived{page({object("c", "3")}, "10", "c2")});
    REQUIRE(middle.actions.size() == 1);
    only_action<w::action::InitApply>(middle);
    CHECK(middle.state == w::State{w::InitPage{"c2", 3}});

    auto last = w::step(middle.state, w::ListPageReceived{page({object("d", "4")}, "10")});
    REQUIRE(last.actions.size() == 2);
    only_action<w::action::InitApply>(last, 0);
    CHECK(only_action<w::action::InitDone>(last, 1).resource_version == "10");
    CHECK(last.state == w::State{w::InitListed{"10"}});
}

TEST_CASE("an empty single-page list still begins and completes a swap") {
    auto done = w::step(w::Empty{""}, w::ListPageReceived{page({}, "77")});
    REQUIRE(done.actions.size() == 2);
    only_action<w::action::InitBegin>(done, 0);
    CHECK(only_action<w::action::InitDone>(done, 1).resource_version == "77");
    CHECK(done.state == w::State{w::InitListed{"77"}});
}

TEST_CASE("the watch starts at the list RV with bookmarks and the server timeout") {
    auto request = w::next_request(w::InitListed{"10"}, {"app=x", "f=y", 500, 290});
    REQUIRE(std::holds_alternative<WatchOptions>(request));
    const auto& watch = std::get<WatchOptions>(request);
    CHECK(watch.resource_version == "10");
    CHECK(watch.timeout_seconds == 290);
    CHECK(watch.allow_bookmarks);
    CHECK(watch.label_selector == "app=x");
    CHECK(watch.field_selector == "f=y");

    auto opened = w::step(w::InitListed{"10"}, w::WatchOpened{});
    CHECK(opened.actions.empty());
    CHECK_FALSE(opened.back_off);
    CHECK(opened.state == w::State{w::Watching{"10"}});
    CHECK(std::holds_alternative<w::ReadEvent>(w::next_request(opened.state, {})));
}

TEST_CASE("a streaming list is a watch with sendInitialEvents, buffered until its end bookmark") {
    w::RequestConfig config{"app=x", "", 500, 290, /*streaming_list=*/true};
    auto request = w::next_request(w::initial_state(false), config);
    REQUIRE(std::holds_alternative<WatchOptions>(request));
    const auto& watch = std::get<WatchOptions>(request);
    CHECK(watch.send_initial_events);
    CHECK(watch.allow_bookmarks);
    CHECK(watch.resource_version.empty());
    CHECK(watch.label_selector == "app=x");

    auto opened = w::step(w::Empty{""}, w::WatchOpened{});
    only_action<w::action::InitBegin>(opened);
    CHECK(opened.state == w::State{w::InitStream{}});
    CHECK(std::holds_alternative<w::ReadEvent>(w::next_request(opened.state, config)));

    auto added = w::step(opened.state, w::EventReceived{event(WatchEventType::Added, "a", "11")});
    CHECK(only_action<w::action::InitApply>(added).objects.size() == 1);
    CHECK(added.state == w::State{w::InitStream{1}});

    auto progress = w::step(added.state, w::EventReceived{event(WatchEventType::Bookmark, "", "12")});
    CHECK(progress.actions.empty());
    CHECK(progress.state == w::State{w::InitStream{1}});

    WatchEvent end = event(WatchEventType::Bookmark, "", "20");
    end.initial_events_end = true;
    auto synced = w::step(progress.state, w::EventReceived{end});
    CHECK(only_action<w::action::InitDone>(synced).resource_version == "20");
    CHECK(synced.state == w::State{w::Watching{"20"}});
    CHECK_FALSE(synced.back_off);

    // Later watches (after the server ends this one) are plain ones from the RV.
    auto resumed = w::next_request(w::step(synced.state, w::WatchEnded{}).state, config);
    CHECK_FALSE(std::get<WatchOptions>(resumed).send_initial_events);
    CHECK(std::get<WatchOptions>(resumed).resource_version == "20");
}

TEST_CASE("a streaming list that fails starts over, one the server refuses becomes a paged list") {
    w::RequestConfig config{"", "", 500, 290, /*streaming_list=*/true};
    SECTION("refused (422: the WatchList feature is off): list in pages at once") {
        auto refused = w::step(w::Empty{"0"}, w::WatchFailed{error(ErrorReason::Invalid, 422)});
        CHECK_FALSE(refused.back_off);
        CHECK(refused.state == w::State{w::Empty{"0", true}});
        auto request = w::next_request(refused.state, config);
        REQUIRE(std::holds_alternative<ListOptions>(request));
        CHECK(std::get<ListOptions>(request).resource_version == "0");
    }
    SECTION("a 500 on opening backs off and tries the stream again") {
        auto failed = w::step(w::Empty{""}, w::WatchFailed{error(ErrorReason::ServerError, 500)});
        CHECK(failed.back_off);
        CHECK(failed.state == w::State{w::Empty{""}});
        CHECK(std::get<WatchOptions>(w::next_request(failed.state, config)).send_initial_events);
    }
    SECTION("a stream that ends or fails before the end bookmark starts over after a backoff") {
        auto ended = w::step(w::InitStream{3}, w::WatchEnded{});
        CHECK(ended.back_off);
        CHECK(ended.state == w::State{w::Empty{""}});
        auto failed = w::step(w::InitStream{3}, w::WatchFailed{error(ErrorReason::Gone, 410)});
        CHECK(failed.back_off);
        CHECK(failed.state == w::State{w::Empty{""}});
    }
    SECTION("a DELETED among the initial events is not what the API promises: start over") {
        auto deleted = w::step(w::InitStream{3}, w::EventReceived{event(WatchEventType::Deleted, "a", "11")});
        CHECK(deleted.back_off);
        CHECK(deleted.actions.empty());
        CHECK(deleted.state == w::State{w::Empty{""}});
        REQUIRE(deleted.error);
        CHECK(deleted.error->reason == ErrorReason::Decode);
    }
}

TEST_CASE("events become store actions and advance the RV, bookmarks only advance it") {
    auto added = w::step(w::Watching{"10"}, w::EventReceived{event(WatchEventType::Added, "a", "11")});
    CHECK((*only_action<w::action::Apply>(added).object)["metadata"]["name"] == "a");
    CHECK(added.state == w::State{w::Watching{"11"}});

    auto modified = w::step(added.state, w::EventReceived{event(WatchEventType::Modified, "a", "12")});
    only_action<w::action::Apply>(modified);
    CHECK(modified.state == w::State{w::Watching{"12"}});

    auto deleted = w::step(modified.state, w::EventReceived{event(WatchEventType::Deleted, "a", "13")});
    CHECK((*only_action<w::action::Delete>(deleted).object)["metadata"]["name"] == "a");
    CHECK(deleted.state == w::State{w::Watching{"13"}});

    auto bookmark = w::step(deleted.state, w::EventReceived{event(WatchEventType::Bookmark, "", "20")});
    REQUIRE(bookmark.actions.size() == 1);
    CHECK(only_action<w::action::Bookmark>(bookmark).resource_version == "20");
    CHECK(bookmark.state == w::State{w::Watching{"20"}});
    CHECK_FALSE(bookmark.back_off);
}

TEST_CASE("a clean end resumes the watch from the last RV without relisting") {
    auto ended = w::step(w::Watching{"42"}, w::WatchEnded{});
    CHECK(ended.actions.empty());
    CHECK_FALSE(ended.back_off);
    CHECK(ended.state == w::State{w::InitListed{"42"}});
    CHECK(std::get<WatchOptions>(w::next_request(ended.state, {})).resource_version == "42");

    auto premature = w::step(w::Watching{"42"}, w::WatchEnded{true});
    CHECK(premature.back_off);
    CHECK(premature.state == w::State{w::InitListed{"42"}});
}

TEST_CASE("410 Gone anywhere relists from RV \"\" after a backoff") {
    const auto gone = error(ErrorReason::Gone, 410);
    SECTION("HTTP 410 when opening the watch") {
        auto s = w::step(w::InitListed{"10"}, w::WatchFailed{gone});
        CHECK(s.state == w::State{w::Empty{""}});
        CHECK(s.back_off);
        REQUIRE(s.error);
        CHECK(s.error->reason == ErrorReason::Gone);
        CHECK(s.actions.empty());  // the cache stays until the relist is swapped in
    }
    SECTION("ERROR event with code 410 while watching") {
        auto s = w::step(w::Watching{"10"}, w::WatchFailed{gone});
        CHECK(s.state == w::State{w::Empty{""}});
        CHECK(s.back_off);
    }
    SECTION("410 on a list page (expired continue token) restarts the list") {
        auto s = w::step(w::InitPage{"c1", 500}, w::ListFailed{gone});
        CHECK(s.state == w::State{w::Empty{""}});
        auto request = std::get<ListOptions>(w::next_request(s.state, {}));
        CHECK(request.resource_version.empty());
        CHECK(request.continue_token.empty());
    }
    SECTION("410 on the first list") {
        auto s = w::step(w::Empty{"0"}, w::ListFailed{gone});
        CHECK(s.state == w::State{w::Empty{""}});
    }
    SECTION("too large resource version counts as a relist") {
        ApiError too_large = error(ErrorReason::Timeout, 504);
        too_large.causes.push_back({"", "ResourceVersionTooLarge", "Too large resource version"});
        CHECK(w::needs_relist(too_large));
        auto s = w::step(w::InitListed{"10"}, w::WatchFailed{too_large});
        CHECK(s.state == w::State{w::Empty{""}});
    }
}

TEST_CASE("other errors back off and retry the same request") {
    const auto reason = GENERATE(ErrorReason::ServerError, ErrorReason::Transport, ErrorReason::Timeout,
                                 ErrorReason::TooManyRequests, ErrorReason::Forbidden, ErrorReason::Decode);
    const auto failure = error(reason, 0);
    CHECK_FALSE(w::needs_relist(failure));

    auto list = w::step(w::Empty{"0"}, w::ListFailed{failure});
    CHECK(list.state == w::State{w::Empty{"0"}});
    CHECK(list.back_off);
    CHECK(list.actions.empty());

    auto page = w::step(w::InitPage{"c1", 3}, w::ListFailed{failure});
    CHECK(page.state == w::State{w::InitPage{"c1", 3}});
    CHECK(page.back_off);

    auto open = w::step(w::InitListed{"10"}, w::WatchFailed{failure});
    CHECK(open.state == w::State{w::InitListed{"10"}});
    CHECK(open.back_off);

    // A broken stream (including the idle timeout) resumes from the last RV.
    auto read = w::step(w::Watching{"15"}, w::WatchFailed{failure});
    CHECK(read.state == w::State{w::InitListed{"15"}});
    CHECK(read.back_off);
    REQUIRE(read.error);
    CHECK(read.error->reason == reason);
}

#ifdef NDEBUG
TEST_CASE("inputs that cannot happen in a state leave it unchanged") {
    auto s = w::step(w::InitPage{"c1", 5}, w::WatchOpened{});
    CHECK(s.state == w::State{w::InitPage{"c1", 5}});
    CHECK(s.actions.empty());
    auto t = w::step(w::InitListed{"5"}, w::EventReceived{event(WatchEventType::Added, "a", "6")});
    CHECK(t.state == w::State{w::InitListed{"5"}});
    CHECK(t.actions.empty());
}
#endif
