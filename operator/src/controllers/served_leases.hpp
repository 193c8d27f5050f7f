#pragma once
// ServedLeases: the names of leases a target has served and that the
// operator then deleted after retention, kept for a while in the target's
// status.servedLeases. A lease created again under such a name (a GitOps tool
// restoring what retention deleted) is not granted a second time: the planner
// finishes it at once as AlreadyServed and never deletes it, so the tool
// finds it in place and the loop "retention deletes, GitOps recreates, the
// target is borrowed again" stops after one recreate.

#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "kube/json/json.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::controllers {

struct ServedLease {
    std::string name;
    kube::WallTime deleted_at{};
    friend bool operator==(const ServedLease&, const ServedLease&) = default;
};

/// The most entries a target keeps (the newest): status stays bounded.
inline constexpr std::size_t max_served_leases = 256;

/// How long a deleted lease's name is remembered: a day, or the retention
/// when that is longer. It must outlast the time a GitOps tool takes to
/// restore what was deleted (its sync interval, minutes), which has nothing
/// to do with how long finished leases are kept.
std::chrono::milliseconds served_lease_memory(std::chrono::milliseconds retention);

/// status.servedLeases of a cached target; entries that do not read are skipped.
std::vector<ServedLease> read_served_leases(const kube::Json& target);

/// The names in `record` deleted less than `keep` before `now`.
std::set<std::string, std::less<>> recently_served(const std::vector<ServedLease>& record, kube::WallTime now,
                                                   std::chrono::milliseconds keep);

/// `record` with `deleted` added as deleted at `now` (one entry per name, the
/// latest), entries older than `keep` dropped, at most max_served_leases
/// newest kept, ordered by deletion time then name.
std::vector<ServedLease> record_served(std::vector<ServedLease> record, const std::vector<std::string>& deleted,
                                       kube::WallTime now, std::chrono::milliseconds keep);

/// status.servedLeases as written: [{name, deletedAt}].
kube::Json to_json(const std::vector<ServedLease>& record);

} // namespace labfleet::controllers
