#include "kube/leaderelection/leader_election.hpp"

#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "support/run_coroutine.hpp"

using namespace labfleet::kube;
using namespace std::chrono_literals;

namespace {

LeaderElectionConfig config() { return {"me", {"default", "labfleet-operator"}, 15s, 10s, 1s}; }

/// Answers the first GET with 404 and the create with 201, moving the clock
/// by `reply_delay` between sending the create and its reply (a slow server,
/// or the process paused mid-request); stops the elector at the next GET.
class SlowReplyClient final : public Client {
public:
    SlowReplyClient(FakeClock& clock, std::chrono::seconds reply_delay) : clock_(clock), reply_delay_(reply_delay) {}
    LeaderElector* elector = nullptr;

    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) override {
        if (request.method == Method::Post) {
            clock_.advance(reply_delay_);
            co_return HttpResponse{201, "{}"};
        }
        if (gets_++ == 0) co_return api_error_from_response(404, R"({"kind":"Status","reason":"NotFound","code":404})");
        elector->stop();
        co_return transport_error("get lease", "test over");
    }
    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest, std::chrono::milliseconds) override {
        co_return transport_error("stream", "not used");
    }

private:
    FakeClock& clock_;
    std::chrono::seconds reply_delay_;
    int gets_ = 0;
};

asio::awaitable<bool> run_elector(LeaderElector* elector, std::vector<bool>* changes) {
    co_await elector->run([changes](bool leading) { changes->push_back(leading); });
    co_return true;
}

/// Runs an elector against a SlowReplyClient for two rounds; returns its leadership changes.
std::vector<bool> leadership_changes(std::chrono::seconds reply_delay) {
    FakeClock clock;
    SlowReplyClient client(clock, reply_delay);
    LeaderElector elector(client, config(), clock);
    client.elector = &elector;
    std::vector<bool> changes;
    asio::io_context io;
    labfleet::testing::run_coroutine(io, run_elector(&elector, &changes));
    return changes;
}

} // namespace

TEST_CASE("a leader leads for renew_deadline from when its write was sent") {
    FakeClock clock;
    LeaderElection election(config(), clock);
    REQUIRE(election.decide(std::nullopt) == ElectionStep::Create);
    election.written(clock.steady_now());
    CHECK(election.is_leader());
    clock.advance(9s);
    CHECK(election.is_leader());
    clock.advance(1s);
    CHECK_FALSE(election.is_leader());
}

TEST_CASE("a write whose reply comes after renew_deadline does not make a leader") {
    // Others time the Lease from when the server stored the write, which is
    // after it was sent: counting from the reply would let a replica paused
    // mid-renew wake up and write while another already leads.
    FakeClock clock;
    LeaderElection election(config(), clock);
    REQUIRE(election.decide(std::nullopt) == ElectionStep::Create);
    const auto sent_at = clock.steady_now();
    clock.advance(12s);
    election.written(sent_at);
    CHECK_FALSE(election.is_leader());
}

TEST_CASE("the elector counts leadership from before the write, not from its reply") {
    SECTION("a prompt reply: leading, then stepping down when stopped") {
        CHECK(leadership_changes(0s) == std::vector<bool>{true, false});
    }
    SECTION("a reply 12 s late (renew deadline 10 s): never leading") {
        CHECK(leadership_changes(12s).empty());
    }
}
