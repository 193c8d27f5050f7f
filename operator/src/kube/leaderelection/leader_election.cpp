#include "kube/leaderelection/leader_election.hpp"

#include <random>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unistd.h>

#include "kube/json/json_fields.hpp"
#include "kube/client/rest.hpp"
#include "kube/meta/time_format.hpp"

namespace labfleet::kube {

namespace {

int int_at(const Json& object, const char* name) {
    auto it = object.find(name);
    return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

} // namespace

LeaseRecord LeaseRecord::from_lease(const Json& lease) {
    LeaseRecord record;
    if (auto metadata = lease.find("metadata"); metadata != lease.end() && metadata->is_object())
        record.resource_version = string_field(*metadata, "resourceVersion");
    auto spec = lease.find("spec");
    if (spec == lease.end() || !spec->is_object()) return record;
    record.holder = string_field(*spec, "holderIdentity");
    record.lease_duration_seconds = int_at(*spec, "leaseDurationSeconds");
    record.acquire_time = string_field(*spec, "acquireTime");
    record.renew_time = string_field(*spec, "renewTime");
    record.lease_transitions = int_at(*spec, "leaseTransitions");
    return record;
}

LeaderElection::LeaderElection(LeaderElectionConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

ElectionStep LeaderElection::decide(const std::optional<LeaseRecord>& observed) {
    if (!observed) return ElectionStep::Create;
    // Expiry is judged by when *we* last saw the record change (client-go's
    // observedTime), so clock skew between replicas does not matter.
    if (!last_seen_ || !last_seen_->same_holding(*observed)) last_seen_changed_at_ = clock_.steady_now();
    last_seen_ = observed;
    if (observed->holder == config_.identity) return ElectionStep::Renew;
    if (observed->holder.empty()) return ElectionStep::Acquire;
    const auto duration = std::chrono::seconds{
        observed->lease_duration_seconds > 0 ? observed->lease_duration_seconds : config_.lease_duration.count()};
    if (clock_.steady_now() >= last_seen_changed_at_ + duration) return ElectionStep::Acquire;
    return ElectionStep::Wait;
}

Json LeaderElection::lease_to_write(ElectionStep step, const std::optional<LeaseRecord>& observed) const {
    const std::string now = format_rfc3339_micro(clock_.now());
    Json spec = {{"holderIdentity", config_.identity},
                 {"leaseDurationSeconds", config_.lease_duration.count()},
                 {"renewTime", now}};
    const bool keep_acquire = step == ElectionStep::Renew && observed && !observed->acquire_time.empty();
    spec["acquireTime"] = keep_acquire ? observed->acquire_time : now;
    const int transitions = observed ? observed->lease_transitions : 0;
    spec["leaseTransitions"] = step == ElectionStep::Acquire ? transitions + 1 : transitions;
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", config_.lease.name}, {"namespace", config_.lease.ns}}},
                  {"spec", spec}};
    if (observed && !observed->resource_version.empty())
        lease["metadata"]["resourceVersion"] = observed->resource_version;
    return lease;
}

void LeaderElection::written(MonoTime sent_at) { leading_until_ = sent_at + config_.renew_deadline; }

bool LeaderElection::is_leader() const { return leading_until_ && clock_.steady_now() < *leading_until_; }

Json LeaderElection::release_lease(const LeaseRecord& observed) const {
    const std::string now = format_rfc3339_micro(clock_.now());
    return {{"apiVersion", "coordination.k8s.io/v1"},
            {"kind", "Lease"},
            {"metadata",
             {{"name", config_.lease.name}, {"namespace", config_.lease.ns}, {"resourceVersion", observed.resource_version}}},
            {"spec",
             {{"holderIdentity", ""},
              {"leaseDurationSeconds", 1},
              {"acquireTime", now},
              {"renewTime", now},
              {"leaseTransitions", observed.lease_transitions}}}};
}

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config, const Clock& clock)
    : client_(client), clock_(clock), election_(std::move(config), clock) {}

asio::awaitable<bool> LeaderElector::round() {
    const auto& config = election_.config();
    auto current = co_await rest::get(client_, resources::leases(), config.lease);
    std::optional<LeaseRecord> observed;
    if (current) observed = LeaseRecord::from_lease(*current);
    else if (current.error().reason != ErrorReason::NotFound) co_return false;

    const ElectionStep step = election_.decide(observed);
    if (step == ElectionStep::Wait) co_return false;
    Json lease = election_.lease_to_write(step, observed);
    const MonoTime sent_at = clock_.steady_now();
    const bool ok = step == ElectionStep::Create
                        ? (co_await rest::create(client_, resources::leases(), config.lease.ns, std::move(lease))).ok()
                        : (co_await rest::replace(client_, resources::leases(), std::move(lease))).ok();
    if (ok) election_.written(sent_at);
    co_return ok;
}

asio::awaitable<void> LeaderElector::run(std::function<void(bool leading)> on_change) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    bool leading = false;
    while (!stopping_) {
        co_await round();
        // Leadership follows the local deadline, not the last round's result:
        // a failed renew keeps us leader until renew_deadline has passed.
        if (election_.is_leader() != leading) {
            leading = election_.is_leader();
            on_change(leading);
        }
        timer.expires_after(election_.config().retry_period);
        co_await timer.async_wait(asio::use_awaitable);
    }
    if (leading) on_change(false);
}

asio::awaitable<void> LeaderElector::release() {
    const bool was_leader = election_.is_leader();
    election_.step_down();
    if (!was_leader) co_return;
    const auto& config = election_.config();
    auto current = co_await rest::get(client_, resources::leases(), config.lease);
    if (!current) co_return;
    const auto observed = LeaseRecord::from_lease(*current);
    if (observed.holder != config.identity) co_return;
    (void)co_await rest::replace(client_, resources::leases(), election_.release_lease(observed));
}

std::string default_leader_identity() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    std::random_device random;
    char suffix[9];
    std::snprintf(suffix, sizeof suffix, "%08x", random());
    return std::string(host[0] ? host : "labfleet") + "_" + suffix;
}

} // namespace labfleet::kube
