#pragma once
// Options: the command line of labfleet-operator (run | plan | version),
// parsed into values with errors that name the flag.

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "kube/util/logger.hpp"

namespace labfleet::manager {

using kube::LogFormat;

struct RunOptions {
    std::string kubeconfig;                    // --kubeconfig; empty = discovery order
    std::string context;                       // --context
    std::string metrics_bind_address = ":8080"; // "0" = no metrics endpoint
    /// /metrics over HTTPS, callers checked with TokenReview and
    /// SubjectAccessReview (as controller-runtime's metrics filter); false =
    /// plain HTTP open to anyone who can reach the port.
    bool metrics_secure = true;
    /// Directory with tls.crt and tls.key for /metrics (re-read when they
    /// change); empty = a self-signed certificate made at start.
    std::string metrics_cert_dir;
    std::string health_probe_bind_address = ":8081";
    bool leader_elect = false;
    std::string leader_election_id = "labfleet-operator";
    std::string leader_election_namespace;     // empty = the pod's namespace, else "default"
    std::chrono::seconds lease_duration{15};
    std::chrono::seconds renew_deadline{10};
    std::chrono::seconds retry_period{2};
    int workers = 4;
    /// --lease-workers: concurrent reconciles of the EnvironmentLease
    /// controller, one target's leases each. Lease reconciles wait on the API
    /// server, not the CPU, and leases that expire in the same second are
    /// released this many at a time, so it is set apart from --workers.
    int lease_workers = 32;
    bool dry_run = false;                      // reconcile and log, write nothing
    LogFormat log_format = LogFormat::Json;
    std::string log_level = "info";
    std::chrono::seconds lease_history_retention{std::chrono::hours{24}};
    /// How long a deleted target in another cluster waits for its objects
    /// there to be removed before it lets go (leaving them, with an Event).
    std::chrono::seconds remote_cleanup_grace{std::chrono::minutes{10}};
    /// Caches not synced within this at start end the process (exit 1, the
    /// cause in its last log line), as controller-runtime's CacheSyncTimeout.
    std::chrono::seconds cache_sync_timeout{std::chrono::minutes{2}};

    /// --crash-record-dir: a directory that outlives the process (an emptyDir
    /// survives a container restart) where the reconciles in flight are
    /// recorded, so that a key whose reconcile ended the process twice in a
    /// row is quarantined (kube/controller/crash_record.hpp); empty = off.
    std::string crash_record_dir;

    /// --denied-namespaces: globs of namespaces no target may write to; the
    /// operator's own namespace (in-cluster) is added at start.
    std::vector<std::string> denied_namespaces{"kube-*"};
};

struct PlanOptions {
    std::vector<std::string> paths;            // -f, repeatable: files or directories
};

struct VersionCommand {};
/// `check-specs` (not in the usage): reads one JSON object a line on stdin and
/// prints, a line each, "ok" or "refused FIELD: MESSAGE" as the reconcilers
/// would judge the object (api/v1alpha1/spec_check.hpp); for the admission
/// parity test.
struct CheckSpecsCommand {};
struct HelpCommand {
    std::string text;
};

using Command = std::variant<RunOptions, PlanOptions, VersionCommand, HelpCommand, CheckSpecsCommand>;

/// A parse failure: the message names the flag and what was expected.
struct OptionsError {
    std::string message;
};

/// Parses argv (argv[0] excluded). Flags take `--name=value` or `--name value`;
/// booleans also `--name` alone.
std::variant<Command, OptionsError> parse_options(const std::vector<std::string>& args);

std::string usage();

} // namespace labfleet::manager
