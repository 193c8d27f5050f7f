#pragma once
// The commands of `kubectl labfleet`, each returning its exit code: 0 done,
// 1 an error (printed on `err`, naming what to fix), 130 interrupted; diff
// returns 1 for differences and 2 for an error, as `kubectl diff`.

#include <atomic>
#include <iosfwd>

#include "plugin/command_line.hpp"
#include "plugin/session.hpp"

namespace labfleet::plugin {

/// Where a command prints, whether `out` is a terminal (a queued borrow then
/// updates one line in place), and the flag Ctrl-C sets.
struct Terminal {
    std::ostream& out;
    std::ostream& err;
    bool interactive = false;
    const std::atomic<bool>* interrupted = nullptr;
};

/// Prints "error: MESSAGE" and returns 1, the exit code of a failed command.
int fail(Terminal& terminal, const std::string& message);
/// The API server's own message, or the error's description when it gave none.
std::string describe(const kube::ApiError& error);

int borrow(Session& session, const GlobalOptions& global, const BorrowCommand& command, Terminal& terminal);
int extend(Session& session, const GlobalOptions& global, const ExtendCommand& command, Terminal& terminal);
int release(Session& session, const GlobalOptions& global, const ReleaseCommand& command, Terminal& terminal);
int leases(Session& session, const GlobalOptions& global, const LeasesCommand& command, Terminal& terminal);
int status(Session& session, const GlobalOptions& global, const StatusCommand& command, Terminal& terminal);
/// Approves the Workload's promotion candidate for one environment (plugin/promotion_approval.hpp).
int promote(Session& session, const GlobalOptions& global, const PromoteCommand& command, Terminal& terminal);
int diff(Session& session, const DiffCommand& command, Terminal& terminal);
/// Registers the cluster `remote` reaches in the cluster `home` reaches (plugin/cluster_registration.hpp).
int cluster_add(Session& home, Session& remote, const GlobalOptions& global, const ClusterAddCommand& command,
                Terminal& terminal);

/// Offline: renders the objects for the files, as `labfleet-operator plan`.
int plan(const PlanCommand& command, Terminal& terminal);

} // namespace labfleet::plugin
