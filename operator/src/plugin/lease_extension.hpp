#pragma once
// LeaseExtension: whether `kubectl labfleet extend` may lengthen a lease, as
// a pure function of the lease the API server returned, so the rule is
// tested without a cluster. A lease whose status.expiresAt has passed has
// expired, whatever spec.duration says by then: the operator expires it at
// its next look (environment_lease_planner), so raising the duration would
// only look like it worked.

#include <optional>
#include <string>

#include "kube/json/json.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::plugin {

/// Why `extend` refuses `lease` at `now`, naming what to do instead; nullopt
/// when it may be extended (waiting, or Active with expiresAt still ahead).
std::optional<std::string> extend_refusal(const kube::Json& lease, kube::WallTime now);

} // namespace labfleet::plugin
