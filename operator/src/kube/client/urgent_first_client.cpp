#include "kube/client/urgent_first_client.hpp"

#include <algorithm>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace labfleet::kube {

asio::awaitable<Result<HttpResponse>> UrgentFirstClient::send(HttpRequest request) {
    if (request.method == Method::Get || request.rank == WriteRank::Change)
        co_return co_await inner_.send(std::move(request));
    if (request.rank == WriteRank::Report) {
        if (urgent_active(std::chrono::steady_clock::now())) co_await wait_for_urgent();
        co_return co_await inner_.send(std::move(request));
    }
    // Counted down however the send ends; the waiting writes are woken only
    // when it was answered (not when the frame is destroyed at shutdown).
    struct InFlight {
        std::shared_ptr<State> state;
        bool answered = false;
        ~InFlight() {
            if (answered) {
                ++state->urgent_answered;
                state->last_answered = std::chrono::steady_clock::now();
            }
            if (--state->urgent_in_flight > 0 || !answered) return;
            for (asio::steady_timer* timer : state->waiting) timer->cancel();
        }
    } in_flight{state_};
    ++state_->urgent_in_flight;
    auto response = co_await inner_.send(std::move(request));
    in_flight.answered = true;
    co_return response;
}

bool UrgentFirstClient::urgent_active(std::chrono::steady_clock::time_point now) const {
    return state_->urgent_in_flight > 0 || now < state_->last_answered + quiet_;
}

asio::awaitable<void> UrgentFirstClient::wait_for_urgent() {
    ++state_->deferred_total;
    const auto executor = co_await asio::this_coro::executor;
    const auto give_up = std::chrono::steady_clock::now() + max_hold_;
    asio::steady_timer timer(executor);
    // Listed while it waits, also if the coroutine is destroyed mid-wait.
    struct Listed {
        std::shared_ptr<State> state;
        asio::steady_timer* timer;
        ~Listed() { std::erase(state->waiting, timer); }
    } listed{state_, &timer};
    state_->waiting.push_back(&timer);
    for (auto now = std::chrono::steady_clock::now(); now < give_up && urgent_active(now);
         now = std::chrono::steady_clock::now()) {
        if (state_->urgent_in_flight == 0) {
            // The last urgent write was answered just now: wait out the quiet time (woken
            // early, if one goes out meanwhile, by its answer).
            timer.expires_at(std::min(state_->last_answered + quiet_, give_up));
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        // Woken (cancelled) when the last urgent write is answered; on expiry it
        // holds on only if urgent writes were answered meanwhile.
        const std::uint64_t answered = state_->urgent_answered;
        timer.expires_at(std::min(now + max_wait_, give_up));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (state_->urgent_answered == answered) break;  // none answered in max_wait: do not wait on a hung one
    }
}

} // namespace labfleet::kube
