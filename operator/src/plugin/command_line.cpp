#include "plugin/command_line.hpp"

#include <algorithm>
#include <map>

#include "api/v1alpha1/duration.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/image_tag.hpp"
#include "api/v1alpha1/names.hpp"

namespace labfleet::plugin {
namespace {

namespace v1 = api::v1alpha1;

/// The arguments split into flags (by name, repeatable) and operands, in order.
struct Split {
    std::vector<std::pair<std::string, std::string>> values;  // in order given: "--for" → "2h"
    std::vector<std::string> switches;               // "--no-wait"
    std::vector<std::string> operands;
};

/// Flags that take a value; every other flag is a switch.
constexpr std::string_view valued_flags[] = {"--kubeconfig",         "--context",        "-o",
                                             "--output",             "--for",            "--reason",
                                             "--timeout",            "-f",               "--filename",
                                             "--target",             "--base",           "--remote-kubeconfig",
                                             "--remote-context",     "--namespaces",     "--operator-namespace",
                                             "--service-account",    "--token-duration",     "--to"};
constexpr std::string_view switch_flags[] = {"--no-wait", "--create-namespaces", "-h", "--help"};

bool takes_value(std::string_view flag) {
    return std::ranges::find(valued_flags, flag) != std::end(valued_flags);
}

std::variant<Split, UsageError> split(const std::vector<std::string>& args) {
    Split out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            out.operands.insert(out.operands.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            break;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            out.operands.push_back(arg);
            continue;
        }
        std::string name = arg;
        std::optional<std::string> value;
        if (auto eq = arg.find('='); eq != std::string::npos && arg.starts_with("--")) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        if (takes_value(name)) {
            if (!value) {
                if (i + 1 >= args.size()) return UsageError{"flag " + name + " needs a value"};
                value = args[++i];
            }
            out.values.emplace_back(name, *value);
        } else if (std::ranges::find(switch_flags, name) != std::end(switch_flags)) {
            if (value) return UsageError{"flag " + name + " takes no value"};
            out.switches.push_back(name);
        } else {
            return UsageError{"unknown flag " + name + " (see kubectl labfleet --help)"};
        }
    }
    return out;
}

} // namespace

int failure_exit_code(const std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") return i + 1 < args.size() && args[i + 1] == "diff" ? 2 : 1;
        if (arg.size() < 2 || arg[0] != '-') return arg == "diff" ? 2 : 1;
        if (takes_value(arg)) ++i;  // its value is not the command
    }
    return 1;
}

namespace {

/// The last value of a flag or its alias (kubectl: the last one wins).
std::optional<std::string> last(const Split& s, std::string_view name, std::string_view alias = {}) {
    std::optional<std::string> found;
    for (const auto& [flag, value] : s.values)
        if (flag == name || (!alias.empty() && flag == alias)) found = value;
    return found;
}

std::vector<std::string> all(const Split& s, std::string_view name, std::string_view alias) {
    std::vector<std::string> out;
    for (const auto& [flag, value] : s.values)
        if (flag == name || flag == alias) out.push_back(value);
    return out;
}

bool has_switch(const Split& s, std::string_view name) { return std::ranges::find(s.switches, name) != s.switches.end(); }

/// Flags that belong to one command only: anything else given is an error.
std::optional<UsageError> only_flags(const Split& s, const std::string& command,
                                     std::initializer_list<std::string_view> allowed) {
    constexpr std::string_view global[] = {"--kubeconfig", "--context", "-o", "--output"};
    for (const auto& [flag, value] : s.values) {
        if (std::ranges::find(global, flag) != std::end(global)) continue;
        if (std::ranges::find(allowed, flag) == allowed.end())
            return UsageError{"flag " + flag + " does not apply to " + command};
    }
    for (const auto& flag : s.switches)
        if (std::ranges::find(allowed, flag) == allowed.end())
            return UsageError{"flag " + flag + " does not apply to " + command};
    return std::nullopt;
}

std::optional<UsageError> check_name(const std::string& what, const std::string& name) {
    if (v1::is_dns_subdomain(name)) return std::nullopt;
    return UsageError{what + " \"" + name + "\" is not a valid object name (lowercase letters, digits, '-' and '.')"};
}

std::variant<std::chrono::milliseconds, UsageError> duration_flag(const std::string& flag, const std::string& text) {
    auto parsed = v1::parse_duration(text);
    if (!parsed) return UsageError{flag + " " + text + ": " + parsed.error().message + " (for example 2h, 90m, 1h30m)"};
    return *parsed;
}

/// WORKLOAD=TAG (files), WORKLOAD.files=TAG or WORKLOAD.workshop=TAG, merged
/// per workload.
std::optional<UsageError> add_override(std::vector<TagOverride>& overrides, const std::string& operand) {
    const auto eq = operand.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == operand.size())
        return UsageError{"\"" + operand + "\": expected WORKLOAD=TAG, WORKLOAD.files=TAG or WORKLOAD.workshop=TAG"};
    std::string workload = operand.substr(0, eq);
    const std::string tag = operand.substr(eq + 1);
    bool workshop = false;
    if (workload.ends_with(".workshop")) {
        workshop = true;
        workload.resize(workload.size() - std::string_view(".workshop").size());
    } else if (workload.ends_with(".files")) {
        workload.resize(workload.size() - std::string_view(".files").size());
    }
    if (auto error = check_name("workload", workload)) return error;
    if (auto error = v1::tag_error(tag)) return UsageError{"\"" + operand + "\": tag " + tag + ": " + *error};
    auto it = std::ranges::find(overrides, workload, &TagOverride::workload);
    if (it == overrides.end()) it = overrides.insert(overrides.end(), TagOverride{workload, {}, {}});
    auto& slot = workshop ? it->workshop_tag : it->files_tag;
    if (slot && *slot != tag)
        return UsageError{"\"" + operand + "\": the " + (workshop ? "workshop" : "files") + " tag of " + workload +
                          " is already set to " + *slot};
    slot = tag;
    return std::nullopt;
}

std::variant<Command, UsageError> parse_borrow(const Split& s) {
    if (auto error = only_flags(s, "borrow", {"--for", "--reason", "--no-wait", "--timeout", "--base"})) return *error;
    if (s.operands.size() < 2)
        return UsageError{"borrow needs a TARGET (kubectl labfleet borrow TARGET [WORKLOAD=TAG...] [--base CHANNEL])"};
    BorrowCommand borrow;
    borrow.target = s.operands[1];
    if (auto error = check_name("target", borrow.target)) return *error;
    for (std::size_t i = 2; i < s.operands.size(); ++i)
        if (auto error = add_override(borrow.overrides, s.operands[i])) return *error;
    if (auto text = last(s, "--for")) {
        auto parsed = duration_flag("--for", *text);
        if (auto* error = std::get_if<UsageError>(&parsed)) return *error;
        borrow.duration = std::get<std::chrono::milliseconds>(parsed);
    }
    if (auto text = last(s, "--timeout")) {
        auto parsed = duration_flag("--timeout", *text);
        if (auto* error = std::get_if<UsageError>(&parsed)) return *error;
        borrow.timeout = std::get<std::chrono::milliseconds>(parsed);
    }
    if (auto reason = last(s, "--reason")) {
        if (reason->size() > 256) return UsageError{"--reason: at most 256 characters"};
        borrow.reason = *reason;
    }
    if (auto base = last(s, "--base")) {
        if (auto error = v1::channel_error(*base)) return UsageError{"--base " + *base + ": " + *error};
        borrow.base = *base;
    }
    borrow.wait = !has_switch(s, "--no-wait");
    if (borrow.overrides.empty() && !borrow.base)
        return UsageError{"borrow " + borrow.target +
                          ": name at least one WORKLOAD=TAG, or --base CHANNEL, to run during the lease"};
    return borrow;
}

std::variant<Command, UsageError> parse_extend(const Split& s) {
    if (auto error = only_flags(s, "extend", {"--for"})) return *error;
    if (s.operands.size() != 2) return UsageError{"extend needs exactly one LEASE (kubectl labfleet extend LEASE --for 1h)"};
    if (auto error = check_name("lease", s.operands[1])) return *error;
    auto text = last(s, "--for");
    if (!text) return UsageError{"extend needs --for DURATION: how much longer to keep the lease"};
    auto parsed = duration_flag("--for", *text);
    if (auto* error = std::get_if<UsageError>(&parsed)) return *error;
    return ExtendCommand{s.operands[1], std::get<std::chrono::milliseconds>(parsed)};
}

std::variant<Command, UsageError> parse_release(const Split& s) {
    if (auto error = only_flags(s, "release", {"--target"})) return *error;
    ReleaseCommand release;
    if (s.operands.size() > 2) return UsageError{"release takes at most one LEASE"};
    if (s.operands.size() == 2) {
        if (auto error = check_name("lease", s.operands[1])) return *error;
        release.lease = s.operands[1];
    }
    release.target = last(s, "--target");
    if (release.lease && release.target) return UsageError{"release takes a LEASE or --target, not both"};
    if (release.target)
        if (auto error = check_name("target", *release.target)) return *error;
    return release;
}

std::variant<Command, UsageError> parse_optional_name(const Split& s, const std::string& command,
                                                      const std::string& what) {
    if (auto error = only_flags(s, command, {})) return *error;
    if (s.operands.size() > 2) return UsageError{command + " takes at most one " + what};
    std::optional<std::string> name;
    if (s.operands.size() == 2) {
        if (auto error = check_name(what, s.operands[1])) return *error;
        name = s.operands[1];
    }
    if (command == "leases") return LeasesCommand{name};
    return StatusCommand{name};
}

std::variant<Command, UsageError> parse_promote(const Split& s) {
    if (auto error = only_flags(s, "promote", {"--to"})) return *error;
    if (s.operands.size() != 2)
        return UsageError{"promote needs exactly one WORKLOAD (kubectl labfleet promote WORKLOAD --to ENV)"};
    PromoteCommand promote;
    promote.workload = s.operands[1];
    if (auto error = check_name("workload", promote.workload)) return *error;
    auto environment = last(s, "--to");
    if (!environment) return UsageError{"promote needs --to ENV: the environment to approve the candidate for"};
    if (!v1::is_dns_label(*environment))
        return UsageError{"--to " + *environment +
                          ": not a valid environment name (lowercase letters, digits and '-', at most 63)"};
    promote.environment = *environment;
    return promote;
}

std::variant<std::vector<std::string>, UsageError> paths_of(const Split& s, const std::string& command) {
    auto error = command == "diff" ? only_flags(s, command, {"-f", "--filename", "--operator-namespace"})
                                   : only_flags(s, command, {"-f", "--filename"});
    if (error) return *error;
    if (s.operands.size() > 1) return UsageError{command + " takes files with -f, not operands"};
    auto paths = all(s, "-f", "--filename");
    if (paths.empty()) return UsageError{command + " needs -f DIR (a directory of Labfleet objects, or a file)"};
    return paths;
}

std::optional<UsageError> check_namespace(const std::string& flag, const std::string& name) {
    if (v1::is_dns_label(name)) return std::nullopt;
    return UsageError{flag + " " + name + ": not a valid namespace name (lowercase letters, digits and '-')"};
}

/// The TokenRequest API refuses expirations under 10 minutes.
constexpr std::chrono::seconds shortest_token{600};

std::variant<Command, UsageError> parse_cluster(const Split& s) {
    if (s.operands.size() < 2 || s.operands[1] != "add")
        return UsageError{"cluster needs a subcommand: add (kubectl labfleet cluster add NAME --remote-kubeconfig FILE "
                          "--namespaces NS)"};
    if (auto error = only_flags(s, "cluster add",
                                {"--remote-kubeconfig", "--remote-context", "--namespaces", "--create-namespaces",
                                 "--operator-namespace", "--service-account", "--token-duration"}))
        return *error;
    if (s.operands.size() != 3) return UsageError{"cluster add needs exactly one NAME: the cluster's name in targets"};
    ClusterAddCommand add;
    add.name = s.operands[2];
    if (auto error = check_name("cluster", add.name)) return *error;
    // The remote Secret that revokes the token is named after the cluster (cluster_registration.hpp).
    if (add.name.size() > 200) return UsageError{"cluster \"" + add.name + "\": at most 200 characters"};
    auto kubeconfig = last(s, "--remote-kubeconfig");
    if (!kubeconfig || kubeconfig->empty())
        return UsageError{"cluster add needs --remote-kubeconfig FILE: an admin's kubeconfig of the cluster to add "
                          "(--kubeconfig and --context name the cluster the operator runs in)"};
    add.remote_kubeconfig = *kubeconfig;
    add.remote_context = last(s, "--remote-context").value_or("");
    for (const auto& list : all(s, "--namespaces", "--namespaces")) {
        std::size_t start = 0;
        while (start <= list.size()) {
            const auto comma = std::min(list.find(',', start), list.size());
            const std::string ns = list.substr(start, comma - start);
            start = comma + 1;
            if (ns.empty()) return UsageError{"--namespaces " + list + ": an empty namespace name"};
            if (auto error = check_namespace("--namespaces", ns)) return *error;
            if (std::ranges::find(add.namespaces, ns) == add.namespaces.end()) add.namespaces.push_back(ns);
        }
    }
    if (add.namespaces.empty())
        return UsageError{"cluster add needs --namespaces NS[,NS...]: the namespaces targets use in that cluster"};
    add.create_namespaces = has_switch(s, "--create-namespaces");
    if (auto ns = last(s, "--operator-namespace")) {
        if (auto error = check_namespace("--operator-namespace", *ns)) return *error;
        add.operator_namespace = *ns;
    }
    if (auto account = last(s, "--service-account")) {
        const auto slash = account->find('/');
        if (slash == std::string::npos)
            return UsageError{"--service-account " + *account + ": expected NAMESPACE/NAME"};
        add.service_account_namespace = account->substr(0, slash);
        add.service_account = account->substr(slash + 1);
        if (auto error = check_namespace("--service-account", add.service_account_namespace)) return *error;
        if (!v1::is_dns_subdomain(add.service_account))
            return UsageError{"--service-account " + *account + ": \"" + add.service_account +
                              "\" is not a valid object name"};
    }
    if (auto text = last(s, "--token-duration")) {
        auto parsed = duration_flag("--token-duration", *text);
        if (auto* error = std::get_if<UsageError>(&parsed)) return *error;
        add.token_duration = std::chrono::duration_cast<std::chrono::seconds>(std::get<std::chrono::milliseconds>(parsed));
        if (add.token_duration < shortest_token)
            return UsageError{"--token-duration " + *text + ": at least 10m (the API server's minimum)"};
    }
    return add;
}

} // namespace

std::string usage_text() {
    return R"(kubectl labfleet: borrow shared environments and see what runs where.

Commands:
  borrow TARGET [WORKLOAD=TAG...]   borrow a target with these images; waits until it serves them
      WORKLOAD=TAG or WORKLOAD.files=TAG sets the files image tag, WORKLOAD.workshop=TAG the workshop's
      --base CHANNEL    every image given no tag here runs this channel (e.g. prod) during the lease
      --for DURATION    how long (default: the target's default; at most its maximum)
      --reason TEXT     shown to others in `leases`
      --no-wait         create the lease and return
      --timeout DURATION  stop waiting after this (default 30m); the lease stays
  extend LEASE --for DURATION       keep your lease longer
  release [LEASE | --target TARGET] end your lease (default: your only one)
  leases [TARGET]                   who holds or waits for which target, and until when
  status [WORKLOAD]                 per target: images, where each tag came from, ready replicas; for one
                                    workload also its promotion: each environment's version, state and since when
  promote WORKLOAD --to ENV         approve the workload's promotion candidate for environment ENV (written to
                                    spec.promotion.approvals; needs verb approve on the workload). Safe to run again.
  plan -f PATH...                   render the objects for these files, offline
  diff -f PATH...                   compare them with the cluster; exit 1 when they differ
      --operator-namespace NS    objects for targets in other clusters are compared there, reached through
                                 the cluster Secrets in NS (default labfleet-system)
  cluster add NAME --remote-kubeconfig FILE --namespaces NS[,NS...]
                                    register another cluster for DeploymentTargets (spec.cluster.name NAME):
                                    in it, the service account, its Roles in each namespace and in kube-system,
                                    and a token bound to a Secret there (delete it to revoke); here, the Secret
                                    NAME holding a kubeconfig with that token. Safe to run again.
      --remote-kubeconfig FILE   an admin's kubeconfig of the other cluster (--kubeconfig/--context stay
                                 the operator's cluster)
      --remote-context NAME      its context (default: its current context)
      --namespaces NS[,NS...]    the target namespaces there; each must exist, unless
      --create-namespaces        creates the missing ones
      --operator-namespace NS    where the operator reads cluster Secrets (default labfleet-system)
      --service-account NS/NAME  the operator's identity there (default labfleet-system/labfleet)
      --token-duration DURATION  the token's lifetime asked for (default 8760h; the server may grant less)
  version

Flags: --kubeconfig FILE, --context NAME, -o table|wide|json|yaml
Exit codes: 0 done, 1 error (diff: 1 differences, 2 error), 130 interrupted.
)";
}

std::variant<Invocation, UsageError> parse_command_line(const std::vector<std::string>& args) {
    auto split_result = split(args);
    if (auto* error = std::get_if<UsageError>(&split_result)) return *error;
    const Split& s = std::get<Split>(split_result);

    Invocation invocation{GlobalOptions{}, HelpCommand{usage_text()}};
    invocation.global.kubeconfig = last(s, "--kubeconfig").value_or("");
    invocation.global.context = last(s, "--context").value_or("");
    if (auto output = last(s, "-o", "--output")) {
        static const std::map<std::string, OutputFormat, std::less<>> formats{
            {"table", OutputFormat::Table}, {"wide", OutputFormat::Wide},
            {"json", OutputFormat::Json},   {"yaml", OutputFormat::Yaml}};
        auto it = formats.find(*output);
        if (it == formats.end()) return UsageError{"-o " + *output + ": expected table, wide, json or yaml"};
        invocation.global.output = it->second;
    }
    if (has_switch(s, "-h") || has_switch(s, "--help") || s.operands.empty()) return invocation;

    const std::string& name = s.operands.front();
    std::variant<Command, UsageError> command = UsageError{
        "unknown command \"" + name +
        "\" (borrow, extend, release, leases, status, promote, plan, diff, cluster, version)"};
    if (name == "borrow") command = parse_borrow(s);
    else if (name == "extend") command = parse_extend(s);
    else if (name == "release") command = parse_release(s);
    else if (name == "leases") command = parse_optional_name(s, "leases", "target");
    else if (name == "status") command = parse_optional_name(s, "status", "workload");
    else if (name == "promote") command = parse_promote(s);
    else if (name == "plan" || name == "diff") {
        auto paths = paths_of(s, name);
        if (auto* error = std::get_if<UsageError>(&paths)) return *error;
        auto& list = std::get<std::vector<std::string>>(paths);
        if (name == "plan") {
            command = PlanCommand{list};
        } else {
            DiffCommand diff{list};
            if (auto ns = last(s, "--operator-namespace")) {
                if (auto error = check_namespace("--operator-namespace", *ns)) return *error;
                diff.operator_namespace = *ns;
            }
            command = diff;
        }
    } else if (name == "cluster") {
        command = parse_cluster(s);
    } else if (name == "version") {
        if (auto error = only_flags(s, "version", {})) return *error;
        command = VersionCommand{};
    }
    if (auto* error = std::get_if<UsageError>(&command)) return *error;
    invocation.command = std::get<Command>(std::move(command));
    return invocation;
}

} // namespace labfleet::plugin
