#include "kube/cache/informer.hpp"

#include <cassert>
#include <exception>
#include <system_error>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/system/system_error.hpp>

namespace labfleet::kube {

namespace {

/// Ends the spawned loop: a cancellation is the expected way out; anything else is a bug.
void loop_finished(std::exception_ptr failure) {
    if (!failure) return;
    try {
        std::rethrow_exception(failure);
    } catch (const boost::system::system_error& error) {
        if (error.code() != asio::error::operation_aborted) throw;
    }
}

} // namespace

Informer::Informer(Client& client, const Clock& clock, ResourceType type, WatchLoopOptions options,
                   StoreOptions store)
    : client_(client), clock_(clock), type_(std::move(type)), options_(std::move(options)), store_(store) {}

Informer::~Informer() { stop(); }

void Informer::start(asio::any_io_executor executor) {
    assert(!status_->running && "Informer::start while running");
    status_->stop_requested = false;
    status_->running = true;  // until the coroutine's own flag takes over
    asio::co_spawn(executor, run_watch_loop(client_, type_, store_, clock_, options_, status_),
                   asio::bind_cancellation_slot(cancel_->slot(), [keep = cancel_](std::exception_ptr failure) {
                       loop_finished(std::move(failure));
                   }));
}

void Informer::stop() {
    if (!status_->running || status_->stop_requested) return;
    status_->stop_requested = true;
    cancel_->emit(asio::cancellation_type::terminal);
}

bool Informer::alive() const { return status_->alive(clock_.steady_now(), alive_window(options_)); }

std::optional<std::string> Informer::problem() const {
    std::string text;
    if (!synced()) text = type_.plural + " not synced";
    else if (!alive()) text = type_.plural + " watch not alive";
    else return std::nullopt;
    if (status_->failure) text += ": " + *status_->failure;
    return text;
}

} // namespace labfleet::kube
