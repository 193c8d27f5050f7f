#pragma once
// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it,
// plus local fencing: a leader that has not renewed within renew_deadline
// stops counting itself leader at once, before anyone else can take over
// (lease_duration > renew_deadline), so two replicas never write together.
//
// LeaderElection is the pure decision (tested with a FakeClock); LeaderElector
// drives it against the API and gates writes (see is_leader()).

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "kube/client/client.hpp"
#include "kube/util/clock.hpp"
#include "kube/json/json.hpp"

namespace labfleet::kube {

struct LeaderElectionConfig {
    std::string identity;                   // hostname + "_" + random suffix
    ObjectKey lease;                        // namespace and name of the Lease
    std::chrono::seconds lease_duration{15};
    std::chrono::seconds renew_deadline{10};
    std::chrono::seconds retry_period{2};
};

/// The fields of a Lease the election reads and writes.
struct LeaseRecord {
    std::string holder;
    int lease_duration_seconds = 0;
    std::string acquire_time;   // RFC3339 micro, as written
    std::string renew_time;
    int lease_transitions = 0;
    std::string resource_version;

    /// Reads spec.* of a Lease object; absent fields stay empty.
    static LeaseRecord from_lease(const Json& lease);
    bool same_holding(const LeaseRecord& other) const {
        return holder == other.holder && renew_time == other.renew_time && acquire_time == other.acquire_time;
    }
};

/// What to do at one election round.
enum class ElectionStep {
    Create,   // no Lease yet: create it holding it
    Acquire,  // held by nobody or expired: take it over (update with precondition)
    Renew,    // we hold it: update renewTime
    Wait,     // another live holder: try again after retry_period
};

class LeaderElection {
public:
    LeaderElection(LeaderElectionConfig config, const Clock& clock);

    /// Decides from the Lease as just read (nullopt = NotFound).
    ElectionStep decide(const std::optional<LeaseRecord>& observed);
    /// The Lease spec to write for `step` (Create, Acquire or Renew).
    Json lease_to_write(ElectionStep step, const std::optional<LeaseRecord>& observed) const;
    /// A successful write of Create/Acquire/Renew, sent at `sent_at`: we
    /// lead until sent_at + renew_deadline unless renewed again. Counted from
    /// the send, not the reply: the API server may have stored the write at
    /// any moment after it was sent, and the others time the Lease from
    /// there, so a late reply (a slow server, or this process paused
    /// mid-request) must not extend our leadership past theirs.
    void written(MonoTime sent_at);
    /// The spec that gives the Lease up on graceful shutdown.
    Json release_lease(const LeaseRecord& observed) const;
    /// Leader right now: the last successful write is within renew_deadline.
    bool is_leader() const;
    /// Called when leadership is given up (shutdown) or lost.
    void step_down() { leading_until_.reset(); }

    const LeaderElectionConfig& config() const { return config_; }

private:
    LeaderElectionConfig config_;
    const Clock& clock_;
    std::optional<LeaseRecord> last_seen_;
    MonoTime last_seen_changed_at_{};
    std::optional<MonoTime> leading_until_;
};

/// Drives a LeaderElection against the API server until stopped; calls
/// `on_change(true|false)` when leadership is gained or lost.
class LeaderElector {
public:
    LeaderElector(Client& client, LeaderElectionConfig config, const Clock& clock);

    asio::awaitable<void> run(std::function<void(bool leading)> on_change);
    /// Gives the Lease up if held, so a successor need not wait for expiry.
    asio::awaitable<void> release();
    void stop() { stopping_ = true; }
    bool is_leader() const { return election_.is_leader(); }

private:
    asio::awaitable<bool> round();

    Client& client_;
    const Clock& clock_;
    LeaderElection election_;
    bool stopping_ = false;
};

/// A random identity: hostname + "_" + 8 hex digits.
std::string default_leader_identity();

} // namespace labfleet::kube
