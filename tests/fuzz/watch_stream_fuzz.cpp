// Fuzzes a list+watch exchange as the watch loop sees it: the input is a
// response body, arriving in chunks and cut into lines by the HTTPS stream's
// LineSplitter. The watcher state machine asks for each line: a list request
// consumes one as a List body (parse_list_page), a read consumes one as a
// watch event (parse_watch_event); the store applies what it says.
//
// Checked beyond "no crash": the store never holds an object without a name,
// and each line parsed with the trim builds what Json::parse builds less the
// trimmed fields (and is refused exactly when Json::parse refuses it).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz/trimmed_parse_check.hpp"
#include "kube/cache/line_splitter.hpp"
#include "kube/cache/list_page.hpp"
#include "kube/cache/object_trim.hpp"
#include "kube/cache/store.hpp"
#include "kube/cache/watch_event.hpp"
#include "kube/cache/watcher.hpp"

namespace {

using namespace labfleet::kube;

/// The body as the watch stream receives it: in chunks (sized by the input's
/// length, so splits land anywhere as the fuzzer grows and shrinks it), cut
/// by the same LineSplitter the HTTPS stream uses.
class Body {
public:
    explicit Body(std::string_view input) : rest_(input), chunk_(input.size() % 64 + 1) {}

    std::optional<std::string> next() {
        for (;;) {
            if (auto line = lines_.next()) return line;
            if (lines_.finished()) return std::nullopt;
            if (rest_.empty()) {
                lines_.finish();
                continue;
            }
            const std::size_t n = std::min(chunk_, rest_.size());
            lines_.append(rest_.substr(0, n));
            rest_.remove_prefix(n);
        }
    }

private:
    LineSplitter lines_;
    std::string_view rest_;
    std::size_t chunk_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ObjectTrim trim({last_applied_pointer});
    static const ResourceType type = resources::config_maps();
    static const watcher::RequestConfig config{};

    Body lines(std::string_view(reinterpret_cast<const char*>(data), size));
    Store store;
    std::size_t handled = 0;
    store.add_handlers({[&](const ObjectPtr&) { ++handled; },
                        [&](const ObjectPtr&, const ObjectPtr&) { ++handled; },
                        [&](const ObjectPtr&) { ++handled; }});
    watcher::State state = watcher::initial_state();
    bool ended = false;

    while (!ended) {
        std::optional<watcher::Input> input;
        const watcher::Request request = watcher::next_request(state, config);
        if (std::holds_alternative<ListOptions>(request)) {
            const auto body = lines.next();
            if (!body) break;  // no more responses: the run is over
            fuzz::check_trimmed_parse(trim, *body, true);
            auto page = parse_list_page(*body, type, trim);
            if (page) input = watcher::ListPageReceived{std::move(page).value()};
            else input = watcher::ListFailed{page.error()};
        } else if (std::holds_alternative<WatchOptions>(request)) {
            input = watcher::WatchOpened{};
        } else {
            std::optional<std::string> line;
            do line = lines.next();
            while (line && is_blank(*line));
            if (!line) {
                input = watcher::WatchEnded{};
                ended = true;
            } else {
                fuzz::check_trimmed_parse(trim, *line, false);
                auto event = parse_watch_event(*line, trim);
                if (event) input = watcher::EventReceived{std::move(event).value()};
                else input = watcher::WatchFailed{event.error()};
            }
        }
        watcher::Step result = watcher::step(std::move(state), std::move(*input));
        state = std::move(result.state);
        for (auto& action : result.actions) watcher::apply(store, std::move(action));
    }

    for (const ObjectPtr& object : store.list()) {
        if (Store::key_of(*object).name.empty()) std::abort();  // an unnamed object was cached
    }
    (void)watcher::state_name(state);
    return 0;
}
