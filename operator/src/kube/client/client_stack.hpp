#pragma once
// ClientStack: the layers every API request of the operator passes through,
// assembled over one transport in one order. This is the one place that
// order is decided; each layer has one job (see its header). From the caller
// down to the wire:
//
//   writer():  retry → urgent-first → leader gate → metrics → transport
//   reader():  retry (no 429 waits) ──────────────→ metrics → transport
//
// Invariants:
// - Fencing: nothing that waits sits between the gate and the transport. The
//   retry's Retry-After sleep and urgent-first's hold are above the gate, so
//   every attempt — the first and each resend — is let through by the gate
//   just before it is handed to the transport; a replica deposed meanwhile
//   sends nothing more.
// - Metrics sit directly on the transport: every attempt that reached the
//   wire is counted once (rest_client_requests_total), and a write the gate
//   refused, which never left, is not — a standby shows no writes.
// - reader() is for the informers and leader election: it is not gated
//   (reads pass the gate anyway, and the election is what opens it) and it
//   never sleeps on a 429, because both callers back off on their own clocks
//   (the watch loop up to its ceiling, the elector by its retry period).

#include <chrono>
#include <functional>

#include "kube/client/client.hpp"
#include "kube/client/gated_client.hpp"
#include "kube/client/metrics_client.hpp"
#include "kube/client/retrying_client.hpp"
#include "kube/client/urgent_first_client.hpp"

namespace labfleet::kube {

struct ClientStackOptions {
    /// The writer's retries; the reader uses the same with no 429 waits.
    RetryPolicy retry;
    /// Writes are sent with dryRun=All (see GatedClient).
    bool dry_run = false;
    /// The longest a write waits for urgent writes in flight (see UrgentFirstClient).
    std::chrono::milliseconds urgent_max_wait{1'000};
};

class ClientStack {
public:
    /// `transport`, `observer` must outlive the stack. `may_write` is the
    /// leader gate, asked for every write attempt; `refresh_credentials` is
    /// called after a 401 (see RetryingClient).
    ClientStack(Client& transport, RequestObserver& observer, std::function<bool()> may_write,
                CredentialRefresh refresh_credentials, ClientStackOptions options = {});
    ClientStack(const ClientStack&) = delete;
    ClientStack& operator=(const ClientStack&) = delete;

    /// What controllers and the event recorder read and write through.
    Client& writer() { return writer_; }
    /// What the informers and the leader elector use.
    Client& reader() { return reader_; }

private:
    // Declared (and so built) from the wire up.
    MetricsClient metered_;
    GatedClient gate_;
    UrgentFirstClient urgent_first_;
    RetryingClient writer_;
    RetryingClient reader_;
};

} // namespace labfleet::kube
