#pragma once
// When a registered cluster's credential stops working, where it says so
// itself: the notAfter of a client certificate, or the `exp` claim of a
// bearer token that is a JWT (a service account token is). The claim is read,
// not verified: the time is only reported (labfleet_cluster_credential_expiry_timestamp_seconds).

#include <optional>

#include "kube/config/cluster_config.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::clusters {

/// The earlier of the two expiries `config` states; nullopt when it states none
/// (an opaque token, no certificate, or one that does not parse).
std::optional<kube::WallTime> credential_expiry(const kube::ClusterConfig& config);

} // namespace labfleet::clusters
