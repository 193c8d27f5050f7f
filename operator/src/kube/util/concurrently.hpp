#pragma once
// for_each_concurrently: one coroutine per item, at most `limit` running at once, on the caller's
// executor; completes when every one has finished. A reconcile uses it to keep several requests
// in flight instead of paying their round trips one after another.
//
// Invariants: the caller's coroutine does not resume before every item's coroutine has finished
// (so `work` may refer to the caller's locals); the coroutines share the caller's executor, so on
// a single-threaded io_context they may touch shared state without locks; the first exception a
// coroutine throws is rethrown to the caller once all have finished.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace labfleet::kube {

template <class Item, class Work>
boost::asio::awaitable<void> for_each_concurrently(const std::vector<Item>& items, std::size_t limit, Work work) {
    namespace asio = boost::asio;
    const auto executor = co_await asio::this_coro::executor;
    // Shared with the completion handlers, which may run after this frame stops waiting.
    struct State {
        explicit State(const asio::any_io_executor& ex) : wake(ex, asio::steady_timer::time_point::max()) {}
        asio::steady_timer wake;  // cancelled to wake the waiter when one finishes
        std::size_t running = 0;
        std::exception_ptr first_error;
    };
    auto state = std::make_shared<State>(executor);
    limit = std::max<std::size_t>(limit, 1);
    std::size_t next = 0;
    for (;;) {
        while (state->running < limit && next < items.size()) {
            ++state->running;
            asio::co_spawn(executor, work(items[next++]), [state](std::exception_ptr error) {
                --state->running;
                if (error && !state->first_error) state->first_error = error;
                state->wake.cancel();  // no effect when nobody waits: the counters are checked first
            });
        }
        if (state->running == 0) break;                                    // all finished
        if (state->running < limit && next < items.size()) continue;      // some finished inline
        boost::system::error_code ignored;  // operation_aborted: one finished
        co_await state->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (state->first_error) std::rethrow_exception(state->first_error);
}

} // namespace labfleet::kube
