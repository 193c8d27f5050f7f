#pragma once
// GatedClient: the client controllers write through. Reads pass; a write
// (POST, PUT, PATCH, DELETE) is refused unless the gate is open — the gate is
// "this replica leads right now", checked at every call, so a replica that
// loses its lease stops writing at once, even mid-reconcile. Every resend is
// a new call, because retries sit above this layer (see ClientStack). With dry_run,

// writes are sent with dryRun=All: validated by the API server, never stored.

#include <functional>

#include "kube/client/client.hpp"

namespace labfleet::kube {

class GatedClient final : public Client {
public:
    /// `inner` must outlive this client; `may_write` is called for every write.
    GatedClient(Client& inner, std::function<bool()> may_write, bool dry_run = false)
        : inner_(inner), may_write_(std::move(may_write)), dry_run_(dry_run) {}

    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override;
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest request,
                                                                std::chrono::milliseconds idle_timeout) override {
        return inner_.stream(std::move(request), idle_timeout);
    }

private:
    Client& inner_;
    std::function<bool()> may_write_;
    bool dry_run_;
};

/// The write refused by a closed gate.
ApiError not_leader_error();

} // namespace labfleet::kube
