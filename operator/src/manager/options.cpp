#include "manager/options.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <optional>

namespace labfleet::manager {

namespace {

using Error = std::optional<std::string>;
/// Applies one flag's value; returns an error message naming what was expected.
using Setter = std::function<Error(const std::string& value)>;

struct Flag {
    Setter set;
    bool is_bool = false;
    std::string help;
};

Setter string_flag(std::string& target) {
    return [&target](const std::string& value) -> Error {
        target = value;
        return std::nullopt;
    };
}

Setter bool_flag(bool& target) {
    return [&target](const std::string& value) -> Error {
        if (value == "true" || value == "1") target = true;
        else if (value == "false" || value == "0") target = false;
        else return "expected true or false, got '" + value + "'";
        return std::nullopt;
    };
}

template <class Duration>
Setter seconds_flag(Duration& target) {
    return [&target](const std::string& value) -> Error {
        long long seconds = 0;
        std::string_view text = value;
        if (!text.empty() && text.back() == 's') text.remove_suffix(1);
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (ec != std::errc{} || end != text.data() + text.size() || seconds <= 0)
            return "expected a positive number of seconds such as 15s, got '" + value + "'";
        target = Duration{std::chrono::seconds{seconds}};
        return std::nullopt;
    };
}

Setter positive_int_flag(int& target) {
    return [&target](const std::string& value) -> Error {
        int parsed = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
        if (ec != std::errc{} || end != value.data() + value.size() || parsed <= 0)
            return "expected a positive integer, got '" + value + "'";
        target = parsed;
        return std::nullopt;
    };
}

Setter choice_flag(std::string& target, std::vector<std::string> choices) {
    return [&target, choices](const std::string& value) -> Error {
        for (const auto& choice : choices)
            if (value == choice) {
                target = value;
                return std::nullopt;
            }
        std::string list;
        for (const auto& choice : choices) list += (list.empty() ? "" : "|") + choice;
        return "expected one of " + list + ", got '" + value + "'";
    };
}

Setter log_format_flag(LogFormat& target) {
    return [&target](const std::string& value) -> Error {
        if (value == "json") target = LogFormat::Json;
        else if (value == "text") target = LogFormat::Text;
        else return "expected json or text, got '" + value + "'";
        return std::nullopt;
    };
}

/// Comma-separated glob patterns (`*`, `?` and characters of a namespace
/// name); empty entries are dropped, so "" denies nothing.
Setter pattern_list_flag(std::vector<std::string>& target) {
    return [&target](const std::string& value) -> Error {
        std::vector<std::string> patterns;
        for (std::size_t start = 0; start <= value.size();) {
            const std::size_t comma = std::min(value.find(',', start), value.size());
            std::string pattern = value.substr(start, comma - start);
            start = comma + 1;
            if (pattern.empty()) continue;
            for (char c : pattern)
                if (!(c == '*' || c == '?' || c == '-' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
                    return "expected comma-separated namespace patterns (a-z, 0-9, -, * and ?), got '" + pattern + "'";
            patterns.push_back(std::move(pattern));
        }
        target = std::move(patterns);
        return std::nullopt;
    };
}

std::map<std::string, Flag> run_flags(RunOptions& o) {
    return {
        {"kubeconfig", {string_flag(o.kubeconfig), false, "path to a kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)"}},
        {"context", {string_flag(o.context), false, "kubeconfig context to use (default: current-context)"}},
        {"metrics-bind-address", {string_flag(o.metrics_bind_address), false, "address of /metrics (default :8080; 0 disables)"}},
        {"metrics-secure", {bool_flag(o.metrics_secure), true, "serve /metrics over HTTPS to callers allowed get on /metrics (TokenReview + SubjectAccessReview); false = plain HTTP (default true)"}},
        {"metrics-cert-dir", {string_flag(o.metrics_cert_dir), false, "directory with tls.crt and tls.key for /metrics (default: a self-signed certificate)"}},
        {"health-probe-bind-address", {string_flag(o.health_probe_bind_address), false, "address of /healthz and /readyz (default :8081)"}},
        {"leader-elect", {bool_flag(o.leader_elect), true, "elect a leader on a coordination.k8s.io Lease; only the leader writes"}},
        {"leader-election-id", {string_flag(o.leader_election_id), false, "name of the leader Lease (default labfleet-operator)"}},
        {"leader-election-namespace", {string_flag(o.leader_election_namespace), false, "namespace of the leader Lease (default: the pod's, else default)"}},
        {"leader-election-lease-duration", {seconds_flag(o.lease_duration), false, "leader lease duration (default 15s)"}},
        {"leader-election-renew-deadline", {seconds_flag(o.renew_deadline), false, "stop leading when not renewed within this (default 10s)"}},
        {"leader-election-retry-period", {seconds_flag(o.retry_period), false, "time between leader election attempts (default 2s)"}},
        {"workers", {positive_int_flag(o.workers), false, "concurrent reconciles per controller but the lease controller (default 4)"}},
        {"lease-workers", {positive_int_flag(o.lease_workers), false, "concurrent reconciles of the EnvironmentLease controller, one target's leases each: leases expiring in the same second are released this many at a time (default 32)"}},
        {"dry-run", {bool_flag(o.dry_run), true, "reconcile and log what would be written, write nothing"}},
        {"log-format", {log_format_flag(o.log_format), false, "json or text (default json)"}},
        {"log-level", {choice_flag(o.log_level, {"error", "warn", "info", "debug"}), false, "error|warn|info|debug (default info)"}},
        {"lease-history-retention", {seconds_flag(o.lease_history_retention), false, "delete finished EnvironmentLeases after this many seconds (default 86400s)"}},
        {"remote-cleanup-grace", {seconds_flag(o.remote_cleanup_grace), false, "how long a deleted DeploymentTarget in another cluster waits for its objects there to be removed before it lets go, leaving them (default 600s)"}},
        {"cache-sync-timeout", {seconds_flag(o.cache_sync_timeout), false, "exit 1, naming the cause, when the caches have not synced within this at start (default 120s)"}},
        {"crash-record-dir", {string_flag(o.crash_record_dir), false, "directory kept across restarts (an emptyDir) recording the reconciles in flight; a key whose reconcile ended the process twice in a row is quarantined (default: none, off)"}},
        {"denied-namespaces", {pattern_list_flag(o.denied_namespaces), false, "comma-separated globs of namespaces no target may write to (default kube-*); the operator's own namespace is always denied"}},
    };
}

std::map<std::string, Flag> plan_flags(PlanOptions& o) {
    return {{"f", {[&o](const std::string& value) -> Error {
                       o.paths.push_back(value);
                       return std::nullopt;
                   },
                   false, "a CR file or directory to render (repeatable)"}}};
}

std::string flags_help(const std::map<std::string, Flag>& flags) {
    std::string text;
    for (const auto& [name, flag] : flags) {
        std::string left = "  " + std::string(name.size() == 1 ? "-" : "--") + name;
        left.resize(std::max<std::size_t>(left.size() + 1, 34), ' ');
        text += left + flag.help + "\n";
    }
    return text;
}

/// Applies `args` to `flags`; returns an error naming the offending flag.
Error parse_flags(std::map<std::string, Flag>& flags, const std::vector<std::string>& args, std::size_t first) {
    for (std::size_t i = first; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.size() < 2 || arg[0] != '-') return "unexpected argument '" + arg + "'";
        std::string body = arg.substr(arg.starts_with("--") ? 2 : 1);
        std::optional<std::string> value;
        if (auto eq = body.find('='); eq != std::string::npos) {
            value = body.substr(eq + 1);
            body.resize(eq);
        }
        auto flag = flags.find(body);
        if (flag == flags.end()) return "unknown flag " + arg;
        if (!value) {
            if (flag->second.is_bool) value = "true";
            else if (i + 1 < args.size()) value = args[++i];
            else return "flag --" + body + " needs a value";
        }
        if (auto error = flag->second.set(*value)) return "flag --" + body + ": " + *error;
    }
    return std::nullopt;
}

} // namespace

std::string usage() {
    RunOptions run;
    PlanOptions plan;
    return "usage: labfleet-operator COMMAND [flags]\n\n"
           "commands:\n"
           "  run       watch the labfleet.dev resources and reconcile the cluster\n"
           "  plan      render offline the objects that would be applied for CR files\n"
           "  version   print the version\n\n"
           "run flags:\n" +
           flags_help(run_flags(run)) + "\nplan flags:\n" + flags_help(plan_flags(plan));
}

std::variant<Command, OptionsError> parse_options(const std::vector<std::string>& args) {
    if (args.empty()) return OptionsError{"missing command\n" + usage()};
    const std::string& command = args[0];
    for (const auto& arg : args)
        if (arg == "-h" || arg == "--help" || arg == "help") return Command{HelpCommand{usage()}};
    if (command == "version") return Command{VersionCommand{}};
    if (command == "check-specs") {
        if (args.size() > 1) return OptionsError{"check-specs takes no arguments"};
        return Command{CheckSpecsCommand{}};
    }
    if (command == "run") {
        RunOptions options;
        auto flags = run_flags(options);
        if (auto error = parse_flags(flags, args, 1)) return OptionsError{*error};
        return Command{options};
    }
    if (command == "plan") {
        PlanOptions options;
        auto flags = plan_flags(options);
        if (auto error = parse_flags(flags, args, 1)) return OptionsError{*error};
        if (options.paths.empty()) return OptionsError{"plan: -f DIR is required"};
        return Command{options};
    }
    return OptionsError{"unknown command '" + command + "'\n" + usage()};
}

} // namespace labfleet::manager
