#pragma once
// ServedLeases: the names of leases a target has served and that the
// operator then deleted after retention, kept for a while. A lease created
// again under such a name (a GitOps tool restoring what retention deleted) is
// not granted a second time: the planner finishes it at once as AlreadyServed
// and never deletes it, so the tool finds it in place and the loop "retention
// deletes, GitOps recreates, the target is borrowed again" stops after one
// recreate.
//
// Where the record lives: one ConfigMap per target name in the operator's own
// namespace (served_leases_record_name), not in the target. It must outlive
// the target (a GitOps tool may delete and re-create a target, or rename it
// and back) and exist when no target does (retention deletes the finished
// leases of a missing target too); leases are cluster-scoped, so the only
// namespace that is the operator's, and that no target writes into, is its
// own. The lease controller reads it from the API server, never from a cache,
// and writes it with that read's resourceVersion, so a watch lagging behind
// the operator's own last write can never hide a name from it.

#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kube/json/json.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::controllers {

struct ServedLease {
    std::string name;
    kube::WallTime deleted_at{};
    friend bool operator==(const ServedLease&, const ServedLease&) = default;
};

/// A target's record as read from the API server.
struct ServedRecord {
    std::vector<ServedLease> entries;
    /// The precondition of the next write; empty when no record exists yet.
    std::string resource_version;
};

/// The most entries a target's record keeps (the newest): it stays far below
/// a ConfigMap's 1 MiB (256 names of at most 253 characters).
inline constexpr std::size_t max_served_leases = 256;

/// How long a deleted lease's name is remembered: a day, or the retention
/// when that is longer. It must outlast the time a GitOps tool takes to
/// restore what was deleted (its sync interval, minutes), which has nothing
/// to do with how long finished leases are kept.
std::chrono::milliseconds served_lease_memory(std::chrono::milliseconds retention);

/// The name of the ConfigMap holding target `target`'s record:
/// "labfleet-served-leases-<target>", or, when that exceeds the 253
/// characters a name may have, its start and a hash of the target's name.
std::string served_leases_record_name(std::string_view target);

/// The record a ConfigMap holds (data: lease name → deletedAt); entries that
/// do not read are skipped.
std::vector<ServedLease> read_served_leases(const kube::Json& config_map);

/// status.servedLeases of a target, where versions before the ConfigMap kept
/// the record: still honoured, and carried into the ConfigMap when it is
/// next written.
std::vector<ServedLease> read_target_served_leases(const kube::Json& target);

/// The names in `record` deleted less than `keep` before `now`.
std::set<std::string, std::less<>> recently_served(const std::vector<ServedLease>& record, kube::WallTime now,
                                                   std::chrono::milliseconds keep);

/// `record` with `deleted` added as deleted at `now` (one entry per name, the
/// latest), entries older than `keep` dropped, at most max_served_leases
/// newest kept, ordered by deletion time then name.
std::vector<ServedLease> record_served(std::vector<ServedLease> record, const std::vector<std::string>& deleted,
                                       kube::WallTime now, std::chrono::milliseconds keep);

/// The ConfigMap to create in `ns` holding `record` for `target`.
kube::Json served_leases_config_map(std::string_view target, const std::string& ns,
                                    const std::vector<ServedLease>& record);

/// The JSON merge patch turning a ConfigMap holding `before` into one holding
/// `after` (names that left are set to null), guarded by `resource_version`:
/// it fails with Conflict if the record changed since it was read.
kube::Json served_leases_patch(const std::vector<ServedLease>& before, const std::vector<ServedLease>& after,
                               const std::string& resource_version);

} // namespace labfleet::controllers
