#pragma once
// Informer: one kind's cache kept current by one watch loop — the Store that
// reconcilers read instead of the API server, and the health /readyz needs
// (synced: first list swapped in; alive: the loop is stepping).

#include <memory>
#include <optional>
#include <string>


#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include "kube/client/client.hpp"
#include "kube/util/clock.hpp"
#include "kube/client/resource.hpp"
#include "kube/cache/store.hpp"
#include "kube/cache/watch_loop.hpp"

namespace labfleet::kube {

class Informer {
public:
    /// `client` and `clock` must outlive the informer.
    Informer(Client& client, const Clock& clock, ResourceType type, WatchLoopOptions options = {},
             StoreOptions store = {});
    /// Stops the loop; the io_context must still run (or be destroyed) before the loop's frame goes.
    ~Informer();
    Informer(const Informer&) = delete;
    Informer& operator=(const Informer&) = delete;

    Store& store() { return store_; }
    const Store& store() const { return store_; }
    const ResourceType& type() const { return type_; }

    /// Spawns the watch loop on `executor`. Calling it while running is a bug.
    void start(asio::any_io_executor executor);
    /// Asks the loop to stop at once: cancels its pending wait (request, stream read, backoff).
    void stop();

    bool synced() const { return store_.synced(); }
    /// The loop is running and stepping (a stream open or reconnecting within its backoff).
    bool alive() const;
    /// Why this cache is not ready, for /readyz: "<plural> not synced" or
    /// "<plural> watch not alive", followed by the cause of the failures going
    /// on, if any (": list failed: Unauthorized (401): Unauthorized").
    /// nullopt when synced and alive.
    std::optional<std::string> problem() const;
    /// True until the loop coroutine has finished.
    bool running() const { return status_->running; }
    const WatchStatus& status() const { return *status_; }

private:
    Client& client_;
    const Clock& clock_;
    ResourceType type_;
    WatchLoopOptions options_;
    Store store_;
    std::shared_ptr<WatchStatus> status_ = std::make_shared<WatchStatus>();
    /// Shared with the spawned loop, which may outlive us until its io_context runs or goes.
    std::shared_ptr<asio::cancellation_signal> cancel_ = std::make_shared<asio::cancellation_signal>();
};

} // namespace labfleet::kube
