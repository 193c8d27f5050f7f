#pragma once
// Views: what `kubectl labfleet` prints, as pure functions from live objects
// (JSON as the API server returns them) to tables, so every column is tested
// without a cluster. Tables follow kubectl's look: upper-case headers, columns
// left-aligned and separated by three spaces, "<none>"/"-" for empty cells.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/json/json.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::plugin {

struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};

/// The table as text, one line per row after the header; "No resources
/// found." (as kubectl) when there are no rows.
std::string render_table(const Table& table);

/// Leases, sorted by target, then Active first, then queue position, then
/// name. Columns: NAME TARGET HOLDER PHASE POSITION TIME-LEFT; `wide` adds
/// EXPIRES, REASON, BASE and OVERRIDES. TIME-LEFT is for Active leases only.
Table leases_table(const std::vector<kube::Json>& leases, kube::WallTime now, bool wide);

/// One row per (workload, target) from each Workload's status.targets.
/// Columns: WORKLOAD TARGET WORKSHOP-IMAGE FILES-IMAGE SOURCE READY; `wide`
/// adds ENVIRONMENT and CLUSTER: the target's spec.cluster.name from
/// `cluster_of_target`, "-" for the operator's own, "?" for a target not in it.
Table status_table(const std::vector<kube::Json>& workloads, bool wide,
                   const std::map<std::string, std::string>& cluster_of_target = {});

/// The targets a Workload's status.targets names, when it names every target
/// the workload is placed on; nullopt when the list is capped (it holds at
/// most 100, and readyTargets "ready/assigned" counts more), so a target
/// missing from it may still be one.
std::optional<std::vector<std::string>> placed_targets(const kube::Json& workload);

/// "1h59m", "42s", "0s" for what is left until `deadline` (never negative).
std::string time_left(kube::WallTime deadline, kube::WallTime now);

/// "3m12s", "26h5m" for how long ago `since` was ("0s" when it lies ahead).
std::string age(kube::WallTime since, kube::WallTime now);

/// `text` safe to print on a terminal: control characters (an escape
/// sequence, a newline) become '?', and it is cut to `limit` bytes, ending
/// in "…" when cut.
std::string printable(std::string_view text, std::size_t limit);

/// The promotion block of `kubectl labfleet status WORKLOAD`, from
/// status.promotion; empty when the Workload has none. A line with the
/// candidate and the phase, the message (when there is one), then a table:
/// ENVIRONMENT VERSION STATE SINCE, with the version "1.5.0" when both tags
/// are equal, else "WORKSHOP/FILES", and SINCE the age of `since`; `wide`
/// adds SERVING (the age of servedSince) and MESSAGE. Missing fields read
/// "-"; at most 8 environments are listed (the CRD's bound) and every text is
/// cut, so a malformed status prints a bounded block.
std::string promotion_view(const kube::Json& workload, kube::WallTime now, bool wide);

/// The caller's leases among `leases` that are still Pending or Active.
std::vector<kube::Json> open_leases_of(const std::vector<kube::Json>& leases, const std::string& holder,
                                       const std::optional<std::string>& target);

/// The lease holding `target` among `leases`, as the operator picks it
/// (controllers::active_lease_of), or null; a lease that does not decode
/// holds nothing.
const kube::Json* active_lease_on(const std::vector<kube::Json>& leases, const std::string& target);

/// One line for a queued lease: "queued at position 2 on stg; held by alice until 14:05:09 UTC (1h2m left)".
std::string queue_line(const kube::Json& lease, const kube::Json* holder_lease, kube::WallTime now);

} // namespace labfleet::plugin
