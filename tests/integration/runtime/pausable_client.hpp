#pragma once
// PausableClient: a Client decorator that can cut an informer off from the
// API server and later let it back, resuming from the resourceVersion it had.
// While paused, an open watch fails at its next line (that line is dropped,
// so the RV does not move) and new watches and lists wait. It records every
// request and every failure it saw, so tests can tell a resume from a relist.

#include <memory>
#include <string>
#include <vector>

#include "kube/client/client.hpp"

namespace labfleet::testing {

class PausableClient final : public kube::Client {
public:
    explicit PausableClient(kube::Client& inner) : inner_(inner) {}

    void pause() { state_->paused = true; }
    void resume() { state_->paused = false; }
    /// A request is being held back by the pause.
    bool holding() const { return state_->holding > 0; }

    /// "GET /api/v1/...": every request passed on, in order.
    const std::vector<std::string>& requests() const { return state_->requests; }
    /// Reasons of failed requests and ERROR watch lines, e.g. "Gone".
    const std::vector<std::string>& failures() const { return state_->failures; }

    boost::asio::awaitable<kube::Result<kube::HttpResponse>> send(kube::HttpRequest request) override;
    boost::asio::awaitable<kube::Result<std::unique_ptr<kube::WatchStream>>> stream(
        kube::HttpRequest request, std::chrono::milliseconds idle_timeout) override;

    struct State {
        bool paused = false;
        int holding = 0;
        std::vector<std::string> requests;
        std::vector<std::string> failures;
    };

private:
    boost::asio::awaitable<void> wait_while_paused();

    kube::Client& inner_;
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

} // namespace labfleet::testing
