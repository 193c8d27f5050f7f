#pragma once
// The command line of `kubectl labfleet`, parsed into values before anything
// touches a cluster: a mistake (an unknown flag, a tag the CRD would refuse, a
// malformed duration) is an error naming the argument, and nothing is created.
//
//   kubectl labfleet [--kubeconfig F] [--context C] [-o table|wide|json|yaml] COMMAND ...
//   borrow TARGET [WORKLOAD=TAG | WORKLOAD.files=TAG | WORKLOAD.workshop=TAG ...] [--base CHANNEL]
//          [--for DURATION] [--reason TEXT] [--no-wait] [--timeout DURATION]
//   extend LEASE --for DURATION       release [LEASE | --target TARGET]
//   leases [TARGET]                   status [WORKLOAD]
//   promote WORKLOAD --to ENV
//   plan -f PATH...                   diff -f PATH...        version
//   cluster add NAME --remote-kubeconfig FILE [--remote-context C] --namespaces NS[,NS...]
//          [--create-namespaces] [--operator-namespace NS] [--service-account NS/NAME]
//          [--token-duration DURATION]

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace labfleet::plugin {

enum class OutputFormat { Table, Wide, Json, Yaml };

/// How to reach the cluster and how to print, as kubectl's own flags.
struct GlobalOptions {
    std::string kubeconfig;  // empty: $KUBECONFIG, then ~/.kube/config
    std::string context;     // empty: the kubeconfig's current context
    OutputFormat output = OutputFormat::Table;
};

/// One workload's tags during a lease; at least one of the two is set.
struct TagOverride {
    std::string workload;
    std::optional<std::string> files_tag;
    std::optional<std::string> workshop_tag;
};

struct BorrowCommand {
    std::string target;
    std::vector<TagOverride> overrides;  // one entry per workload, in the order first named
    std::optional<std::string> base;     // --base: the channel of every other workload during the lease
    std::optional<std::chrono::milliseconds> duration;  // --for; absent: the target's default
    std::optional<std::string> reason;
    bool wait = true;                                  // false with --no-wait
    std::chrono::milliseconds timeout = std::chrono::minutes(30);  // bound on waiting
};

struct ExtendCommand {
    std::string lease;
    std::chrono::milliseconds by{};
};

struct ReleaseCommand {
    std::optional<std::string> lease;   // a lease by name, or
    std::optional<std::string> target;  // the caller's lease on this target; neither: the caller's only lease
};

struct LeasesCommand {
    std::optional<std::string> target;
};

struct StatusCommand {
    std::optional<std::string> workload;
};

/// `promote`: approves the Workload's current promotion candidate for one
/// environment (plugin/promotion_approval.hpp says what it writes).
struct PromoteCommand {
    std::string workload;
    std::string environment;  // --to
};

struct PlanCommand {
    std::vector<std::string> paths;
};

/// `diff`: objects for targets in other clusters are compared with those
/// clusters, reached through their registration Secrets in operator_namespace.
struct DiffCommand {
    std::vector<std::string> paths;
    std::string operator_namespace = "labfleet-system";
};

/// `cluster add`: registers another cluster for DeploymentTargets (see
/// plugin/cluster_registration.hpp for what it creates there and here).
struct ClusterAddCommand {
    std::string name;               // the cluster's name: the home Secret's, spec.cluster.name in targets
    std::string remote_kubeconfig;  // --remote-kubeconfig: an admin's kubeconfig of the other cluster
    std::string remote_context;     // --remote-context; empty: that kubeconfig's current context
    std::vector<std::string> namespaces;  // --namespaces: the target namespaces there, no duplicates
    bool create_namespaces = false;       // --create-namespaces: create missing ones (else: an error)
    std::string operator_namespace = "labfleet-system";  // where the home Secret goes
    std::string service_account_namespace = "labfleet-system";  // the identity in the other cluster
    std::string service_account = "labfleet";
    std::chrono::seconds token_duration = std::chrono::hours(24 * 365);  // asked for; the server may grant less
};

struct VersionCommand {};

struct HelpCommand {
    std::string text;
};

using Command = std::variant<BorrowCommand, ExtendCommand, ReleaseCommand, LeasesCommand, StatusCommand,
                             PromoteCommand, PlanCommand, DiffCommand, ClusterAddCommand, VersionCommand, HelpCommand>;

struct Invocation {
    GlobalOptions global;
    Command command;
};

/// A usage error: the message names the argument and what was expected.
struct UsageError {
    std::string message;
};

/// Parses the arguments after the program name. Flags may come before or
/// after the command and its operands, as `--flag value` or `--flag=value`.
std::variant<Invocation, UsageError> parse_command_line(const std::vector<std::string>& args);

/// The exit status of a failure (a usage error, an unreadable file, a refused
/// request): 2 for `diff`, whose 1 means "differences found" to CI, as with
/// diff(1) and `kubectl diff`; 1 for every other command.
int failure_exit_code(const std::vector<std::string>& args);

/// The text `--help` prints.
std::string usage_text();

} // namespace labfleet::plugin
