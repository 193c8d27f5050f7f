#pragma once
// UrgentFirstClient: orders the operator's own writes when they compete for
// the API server (their WriteRank). An urgent write (a lease's status: an
// environment freed or handed over, which people wait on) goes at once, and
// so does a change of what runs (a workload's children: a granted lease's
// image reaches its pods through them); a report (any other write) waits
// while urgent ones are in flight, so the Events and the target status
// that follow a storm of expiries come after the expiries themselves instead
// of sharing the server's write throughput with them. The wait ends once no
// urgent write has been in flight for `quiet` (a storm's urgent writes leave
// short gaps between one reconcile's answer and the next one's write; the held
// writes must not pour into them), when none was answered for `max_wait` (one
// that hangs holds nothing back for longer), or after `max_hold` in all (a
// stream of urgent writes starves nothing). Reads always pass. With no urgent
// write in flight or answered within `quiet`, it adds nothing.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "kube/client/client.hpp"

namespace labfleet::kube {

class UrgentFirstClient final : public Client {
public:
    /// `inner` must outlive this client.
    explicit UrgentFirstClient(Client& inner, std::chrono::milliseconds max_wait = std::chrono::seconds{1},
                               std::chrono::milliseconds max_hold = std::chrono::seconds{10},
                               std::chrono::milliseconds quiet = std::chrono::milliseconds{100})
        : inner_(inner), max_wait_(max_wait), max_hold_(max_hold), quiet_(quiet), state_(std::make_shared<State>()) {}

    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override;
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest request,
                                                                std::chrono::milliseconds idle_timeout) override {
        return inner_.stream(std::move(request), idle_timeout);
    }

    /// Urgent writes sent and not yet answered.
    std::size_t urgent_in_flight() const { return state_->urgent_in_flight; }
    /// Writes held back so far because urgent ones were in flight.
    std::size_t deferred_total() const { return state_->deferred_total; }

private:
    /// Shared with the sends in flight: a coroutine frame destroyed with its
    /// io_context after this client still finds it.
    struct State {
        std::size_t urgent_in_flight = 0;
        std::uint64_t urgent_answered = 0;  // progress: a waiting write holds on while it grows
        std::chrono::steady_clock::time_point last_answered;  // of the latest urgent write
        std::size_t deferred_total = 0;
        std::vector<asio::steady_timer*> waiting;  // woken when the last urgent write is answered
    };

    /// True while an urgent write is in flight or was answered less than `quiet` ago.
    bool urgent_active(std::chrono::steady_clock::time_point now) const;
    asio::awaitable<void> wait_for_urgent();

    Client& inner_;
    std::chrono::milliseconds max_wait_;
    std::chrono::milliseconds max_hold_;
    std::chrono::milliseconds quiet_;
    std::shared_ptr<State> state_;
};

} // namespace labfleet::kube
