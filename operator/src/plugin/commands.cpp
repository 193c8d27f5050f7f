#include "plugin/commands.hpp"

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <variant>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/duration.hpp"
#include "api/v1alpha1/group_version.hpp"
#include "clusters/cluster_secret.hpp"
#include "controllers/render/plan.hpp"
#include "controllers/render/yaml_convert.hpp"
#include "kube/json/json_fields.hpp"
#include "kube/meta/time_format.hpp"
#include "plugin/field_changes.hpp"
#include "plugin/lease_extension.hpp"
#include "plugin/promotion_approval.hpp"
#include "plugin/views.hpp"

namespace labfleet::plugin {

int fail(Terminal& terminal, const std::string& message) {
    terminal.err << "error: " << message << "\n";
    return 1;
}

std::string describe(const kube::ApiError& error) { return error.message.empty() ? error.describe() : error.message; }

namespace {

namespace v1 = api::v1alpha1;
using std::chrono::milliseconds;

/// How often a waiting borrow looks at its lease.
constexpr milliseconds poll_interval{500};
/// Attempts of a promote whose write meets a concurrent change (409 Conflict):
/// each re-reads the Workload and plans again.
constexpr int promote_attempts = 5;

kube::WallTime now() { return std::chrono::system_clock::now(); }

/// Objects as kubectl prints them with -o json|yaml: one object, or a List.
void print_objects(Terminal& terminal, OutputFormat format, std::vector<kube::Json> objects, bool as_list) {
    kube::Json document = as_list || objects.size() != 1
                              ? kube::Json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(objects)}}
                              : std::move(objects.front());
    if (format == OutputFormat::Json) terminal.out << document.dump(4) << "\n";
    else terminal.out << controllers::json_to_yaml(document);
}

bool structured(OutputFormat format) { return format == OutputFormat::Json || format == OutputFormat::Yaml; }

/// Sleeps `duration` in short steps; false when Ctrl-C came first.
bool pause(Terminal& terminal, milliseconds duration) {
    const auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
        if (terminal.interrupted && terminal.interrupted->load()) return false;
        std::this_thread::sleep_for(milliseconds(50));
    }
    return !(terminal.interrupted && terminal.interrupted->load());
}

/// A progress line: rewritten in place on a terminal whenever its text
/// changes; otherwise (a log) one line each time its `gist` changes, so a
/// countdown in the text does not print a line a second.
class ProgressLine {
public:
    explicit ProgressLine(Terminal& terminal) : terminal_(terminal) {}
    void show(const std::string& text) { show(text, text); }
    void show(const std::string& text, const std::string& gist) {
        if (terminal_.interactive) {
            if (text == shown_) return;
            terminal_.err << "\r\033[K" << text << std::flush;
        } else {
            if (!shown_.empty() && gist == gist_) return;
            terminal_.err << text << "\n";
        }
        shown_ = text;
        gist_ = gist;
    }
    void finish() {
        if (terminal_.interactive && !shown_.empty()) terminal_.err << "\n";
        shown_.clear();
        gist_.clear();
    }

private:
    Terminal& terminal_;
    std::string shown_;
    std::string gist_;
};

std::string condition_status(const kube::Json& object, std::string_view type, std::string* message = nullptr) {
    const auto* status = object.contains("status") ? &object["status"] : nullptr;
    if (!status || !status->contains("conditions") || !(*status)["conditions"].is_array()) return "";
    for (const auto& condition : (*status)["conditions"])
        if (kube::string_field(condition, "type") == type) {
            if (message) *message = kube::string_field(condition, "message");
            return kube::string_field(condition, "status");
        }
    return "";
}

/// Refuses what the API server would refuse, in words a person can act on.
std::optional<std::string> check_access(Session& session, const std::string& user, const AccessQuestion& question,
                                        const std::string& what) {
    auto denied = session.denied(question);
    if (!denied) return "checking permissions: " + describe(denied.error());
    if (!*denied) return std::nullopt;
    std::string object = question.resource + (question.name.empty() ? "" : "/" + question.name);
    return user + " may not " + what + " (needs verb " + question.verb + " on " + object + " in API group " +
           question.group + "): " + **denied;
}

kube::Json lease_object(const BorrowCommand& command, const std::string& user) {
    kube::Json spec{{"target", command.target}, {"holder", user}};
    if (command.duration) spec["duration"] = v1::format_duration(*command.duration);
    if (command.reason) spec["reason"] = *command.reason;
    if (command.base) spec["base"] = *command.base;
    kube::Json overrides = kube::Json::array();
    for (const auto& override : command.overrides) {
        kube::Json item{{"workload", override.workload}};
        if (override.files_tag) item["files"] = {{"tag", *override.files_tag}};
        if (override.workshop_tag) item["workshop"] = {{"tag", *override.workshop_tag}};
        overrides.push_back(std::move(item));
    }
    if (!overrides.empty()) spec["overrides"] = std::move(overrides);
    return {{"apiVersion", v1::api_version},
            {"kind", "EnvironmentLease"},
            {"metadata", {{"generateName", command.target + "-"}}},
            {"spec", std::move(spec)}};
}

/// A warning when no DeploymentTarget here runs `base`. Never a refusal: a
/// channel is a tag the registry resolves, and the channel a PR is tried
/// against (prod) often runs in another cluster; a typo (--base prdo) is still
/// worth a line before every image on the target switches to it.
std::optional<std::string> unfamiliar_base(Session& session, const std::string& base) {
    auto targets = session.list(v1::deployment_targets());
    if (!targets) return std::nullopt;  // a hint only: the borrow's own checks report access problems
    std::set<std::string> channels;
    for (const auto& json : *targets)
        if (auto target = v1::DeploymentTarget::from_json(json)) channels.insert(target->spec.channel);
    if (channels.contains(base)) return std::nullopt;
    std::string known;
    for (const auto& channel : channels) known += (known.empty() ? "" : ", ") + channel;
    return "--base " + base + ": no DeploymentTarget in this cluster runs channel \"" + base +
           "\" (channels in use: " + (known.empty() ? "none" : known) + "); borrowing it anyway";
}

/// Every check a borrow makes before it creates anything.
std::optional<std::string> check_borrow(Session& session, const BorrowCommand& command, const std::string& user) {
    auto target_json = session.get(v1::deployment_targets(), command.target);
    if (!target_json) {
        if (target_json.error().reason == kube::ErrorReason::NotFound)
            return "target \"" + command.target + "\" not found (kubectl get deploymenttargets lists them)";
        return "reading target " + command.target + ": " + describe(target_json.error());
    }
    auto target = v1::DeploymentTarget::from_json(*target_json);
    if (!target) return "target " + command.target + " cannot be read: " + describe(target.error());
    if (command.duration && *command.duration > target->spec.leases.max_duration)
        return "--for " + v1::format_duration(*command.duration) + " is longer than target " + command.target +
               " allows (leases.maxDuration " + v1::format_duration(target->spec.leases.max_duration) + ")";
    for (const auto& override : command.overrides) {
        auto workload = session.get(v1::workloads(), override.workload);
        if (!workload) {
            if (workload.error().reason == kube::ErrorReason::NotFound)
                return "workload \"" + override.workload + "\" not found (kubectl get workloads lists them)";
            return "reading workload " + override.workload + ": " + describe(workload.error());
        }
        // Refused only when the status names every target it is placed on (the list is capped).
        const auto placed = placed_targets(*workload);
        if (placed && std::ranges::find(*placed, command.target) == placed->end()) {
            std::string where;
            for (const auto& name : *placed) where += (where.empty() ? "" : ", ") + name;
            return "workload " + override.workload + " is not placed on target " + command.target +
                   (where.empty() ? " (it is placed on no target)" : " (it runs on: " + where + ")");
        }
    }
    if (auto error = check_access(session, user, {"create", v1::group, "environmentleases", ""}, "create leases"))
        return error;
    return check_access(session, user, {"borrow", v1::group, "deploymenttargets", command.target},
                        "borrow target " + command.target);
}

/// The lease's images are being served, or why the wait ended.
enum class WaitEnd { Serving, Ended, TimedOut, Interrupted, Error };

WaitEnd wait_for_lease(Session& session, const BorrowCommand& command, std::string& name, kube::Json& lease,
                       Terminal& terminal) {
    ProgressLine progress(terminal);
    const auto deadline = std::chrono::steady_clock::now() + command.timeout;
    while (true) {
        auto current = session.get(v1::environment_leases(), name);
        if (!current) {
            progress.finish();
            terminal.err << "error: reading lease " << name << ": " << describe(current.error()) << "\n";
            return WaitEnd::Error;
        }
        lease = std::move(*current);
        const std::string phase = kube::string_at(lease, "/status/phase");
        if (phase == "Expired" || phase == "Released") {
            progress.finish();
            return WaitEnd::Ended;
        }
        if (phase == "Active") {
            std::string message;
            if (condition_status(lease, "Serving", &message) == "True") {
                progress.finish();
                return WaitEnd::Serving;
            }
            progress.show("granted; waiting for " + command.target + " to serve the lease's images" +
                          (message.empty() ? "" : ": " + message));
        } else {
            auto all = session.list(v1::environment_leases());
            const kube::Json* holder = all ? active_lease_on(*all, command.target) : nullptr;
            // Granted between the get and the list: the next get says so.
            if (holder == nullptr || kube::string_at(*holder, "/metadata/name") != name) {
                std::string line = queue_line(lease, holder, now());
                if (std::string message; condition_status(lease, "Paused", &message) == "True") line += "; " + message;
                const std::string gist = (lease.contains("status") ? lease["status"].dump() : "") + "|" +
                                         (holder ? kube::string_at(*holder, "/spec/holder") + " " +
                                                       kube::string_at(*holder, "/status/expiresAt")
                                                 : "");
                progress.show(line, gist);
            }
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            progress.finish();
            return WaitEnd::TimedOut;
        }
        if (!pause(terminal, poll_interval)) {
            progress.finish();
            return WaitEnd::Interrupted;
        }
    }
}

void print_served(Session& session, const GlobalOptions& global, const kube::Json& lease, Terminal& terminal) {
    const std::string name = kube::string_at(lease, "/metadata/name");
    const std::string target = kube::string_at(lease, "/spec/target");
    if (structured(global.output)) {
        print_objects(terminal, global.output, {lease}, false);
        return;
    }
    terminal.out << "lease " << name << " serving on " << target;
    if (auto expires = kube::parse_rfc3339(kube::string_at(lease, "/status/expiresAt")))
        terminal.out << " until " << kube::format_rfc3339(*expires) << " (" << time_left(*expires, now()) << " left)";
    terminal.out << "\n";
    auto workloads = session.list(v1::workloads());
    if (!workloads) return;
    Table table = status_table(*workloads, global.output == OutputFormat::Wide);
    std::erase_if(table.rows, [&](const auto& row) { return row.size() < 2 || row[1] != target; });
    terminal.out << render_table(table);
}

std::vector<kube::Json> only_target(std::vector<kube::Json> leases, const std::optional<std::string>& target) {
    if (target) std::erase_if(leases, [&](const kube::Json& l) { return kube::string_at(l, "/spec/target") != *target; });
    return leases;
}

} // namespace

int borrow(Session& session, const GlobalOptions& global, const BorrowCommand& command, Terminal& terminal) {
    auto user = session.whoami();
    if (!user) return fail(terminal, "asking the API server who you are: " + describe(user.error()));
    if (auto problem = check_borrow(session, command, *user)) return fail(terminal, *problem);
    if (command.base)
        if (auto warning = unfamiliar_base(session, *command.base)) terminal.err << "warning: " << *warning << "\n";

    auto created = session.create(v1::environment_leases(), lease_object(command, *user));
    if (!created) return fail(terminal, "creating the lease: " + describe(created.error()));
    std::string name = kube::string_at(*created, "/metadata/name");
    terminal.err << "lease " << name << " created: " << *user << " borrows " << command.target << "\n";
    if (!command.wait) {
        if (structured(global.output)) print_objects(terminal, global.output, {*created}, false);
        else terminal.out << name << "\n";
        return 0;
    }

    kube::Json lease = *created;
    switch (wait_for_lease(session, command, name, lease, terminal)) {
    case WaitEnd::Serving:
        print_served(session, global, lease, terminal);
        return 0;
    case WaitEnd::Ended:
        return fail(terminal, "lease " + name + " ended (" + kube::string_at(lease, "/status/phase") +
                                  ") before the target served it");
    case WaitEnd::TimedOut:
        return fail(terminal, "stopped waiting after " + v1::format_duration(command.timeout) + "; lease " + name +
                                  " stays (" + kube::string_at(lease, "/status/phase") +
                                  "); `kubectl labfleet release " + name + "` ends it");
    case WaitEnd::Interrupted:
        if (kube::string_at(lease, "/status/phase") == "Active") {
            terminal.err << "interrupted: lease " << name << " is granted and stays; `kubectl labfleet release " << name
                         << "` ends it\n";
            return 130;
        }
        if (auto removed = session.remove(v1::environment_leases(), name); !removed)
            return fail(terminal, "interrupted, but withdrawing lease " + name + " failed: " + describe(removed.error()));
        terminal.err << "interrupted: withdrew the request (lease " << name << " deleted)\n";
        return 130;
    case WaitEnd::Error:
        return 1;
    }
    return 1;
}

int extend(Session& session, const GlobalOptions& global, const ExtendCommand& command, Terminal& terminal) {
    auto lease = session.get(v1::environment_leases(), command.lease);
    if (!lease) {
        if (lease.error().reason == kube::ErrorReason::NotFound)
            return fail(terminal, "lease \"" + command.lease + "\" not found (kubectl labfleet leases lists them)");
        return fail(terminal, "reading lease " + command.lease + ": " + describe(lease.error()));
    }
    if (auto refusal = extend_refusal(*lease, now())) return fail(terminal, *refusal);
    const std::string target_name = kube::string_at(*lease, "/spec/target");
    auto target_json = session.get(v1::deployment_targets(), target_name);
    if (!target_json) return fail(terminal, "reading target " + target_name + ": " + describe(target_json.error()));
    auto target = v1::DeploymentTarget::from_json(*target_json);
    if (!target) return fail(terminal, "target " + target_name + " cannot be read: " + describe(target.error()));

    milliseconds current = target->spec.leases.default_duration;
    if (const std::string text = kube::string_at(*lease, "/spec/duration"); !text.empty())
        if (auto parsed = v1::parse_duration(text)) current = *parsed;
    const milliseconds wanted = current + command.by;
    if (wanted > target->spec.leases.max_duration)
        return fail(terminal, "extending by " + v1::format_duration(command.by) + " makes the lease " +
                                  v1::format_duration(wanted) + " long; target " + target_name + " allows at most " +
                                  v1::format_duration(target->spec.leases.max_duration) + " (leases.maxDuration)");
    auto patched = session.merge_patch(v1::environment_leases(), command.lease,
                                       {{"spec", {{"duration", v1::format_duration(wanted)}}}});
    if (!patched) return fail(terminal, "extending lease " + command.lease + ": " + describe(patched.error()));
    if (structured(global.output)) print_objects(terminal, global.output, {*patched}, false);
    else terminal.out << "lease " << command.lease << " extended to " << v1::format_duration(wanted) << "\n";
    return 0;
}

int release(Session& session, const GlobalOptions& global, const ReleaseCommand& command, Terminal& terminal) {
    std::string name;
    if (command.lease) {
        name = *command.lease;
    } else {
        auto user = session.whoami();
        if (!user) return fail(terminal, "asking the API server who you are: " + describe(user.error()));
        auto all = session.list(v1::environment_leases());
        if (!all) return fail(terminal, "listing leases: " + describe(all.error()));
        auto mine = open_leases_of(*all, *user, command.target);
        const std::string where = command.target ? " on target " + *command.target : "";
        if (mine.empty()) return fail(terminal, *user + " holds no Pending or Active lease" + where);
        if (mine.size() > 1) {
            std::string names;
            for (const auto& lease : mine)
                names += (names.empty() ? "" : ", ") + kube::string_at(lease, "/metadata/name") + " (" +
                         kube::string_at(lease, "/spec/target") + ")";
            return fail(terminal, *user + " holds " + std::to_string(mine.size()) + " leases" + where + ": " + names +
                                      "; name the one to release");
        }
        name = kube::string_at(mine.front(), "/metadata/name");
    }
    auto patched = session.merge_patch(v1::environment_leases(), name, {{"spec", {{"release", true}}}});
    if (!patched) {
        if (patched.error().reason == kube::ErrorReason::NotFound)
            return fail(terminal, "lease \"" + name + "\" not found (kubectl labfleet leases lists them)");
        return fail(terminal, "releasing lease " + name + ": " + describe(patched.error()));
    }
    if (structured(global.output)) print_objects(terminal, global.output, {*patched}, false);
    else terminal.out << "lease " << name << " released\n";
    return 0;
}

int leases(Session& session, const GlobalOptions& global, const LeasesCommand& command, Terminal& terminal) {
    auto all = session.list(v1::environment_leases());
    if (!all) return fail(terminal, "listing leases: " + describe(all.error()));
    auto shown = only_target(std::move(*all), command.target);
    if (structured(global.output)) print_objects(terminal, global.output, std::move(shown), true);
    else terminal.out << render_table(leases_table(shown, now(), global.output == OutputFormat::Wide));
    return 0;
}

int status(Session& session, const GlobalOptions& global, const StatusCommand& command, Terminal& terminal) {
    std::vector<kube::Json> workloads;
    if (command.workload) {
        auto one = session.get(v1::workloads(), *command.workload);
        if (!one) {
            if (one.error().reason == kube::ErrorReason::NotFound)
                return fail(terminal, "workload \"" + *command.workload + "\" not found");
            return fail(terminal, "reading workload " + *command.workload + ": " + describe(one.error()));
        }
        workloads.push_back(std::move(*one));
    } else {
        auto all = session.list(v1::workloads());
        if (!all) return fail(terminal, "listing workloads: " + describe(all.error()));
        workloads = std::move(*all);
    }
    if (structured(global.output)) {
        print_objects(terminal, global.output, std::move(workloads), !command.workload);
        return 0;
    }
    const bool wide = global.output == OutputFormat::Wide;
    std::map<std::string, std::string> cluster_of_target;
    if (wide) {
        auto targets = session.list(v1::deployment_targets());
        if (!targets) return fail(terminal, "listing deploymenttargets: " + describe(targets.error()));
        for (const auto& target : *targets)
            cluster_of_target[kube::string_at(target, "/metadata/name")] = kube::string_at(target, "/spec/cluster/name");
    }
    terminal.out << render_table(status_table(workloads, wide, cluster_of_target));
    if (command.workload)
        if (const std::string promotion = promotion_view(workloads.front(), now(), wide); !promotion.empty())
            terminal.out << "\n" << promotion;
    return 0;
}

int promote(Session& session, const GlobalOptions& global, const PromoteCommand& command, Terminal& terminal) {
    for (int attempt = 1;; ++attempt) {
        auto workload = session.get(v1::workloads(), command.workload);
        if (!workload) {
            if (workload.error().reason == kube::ErrorReason::NotFound)
                return fail(terminal, "workload \"" + command.workload + "\" not found (kubectl get workloads lists them)");
            return fail(terminal, "reading workload " + command.workload + ": " + describe(workload.error()));
        }
        auto plan = plan_approval(*workload, command.environment);
        if (auto* refused = std::get_if<ApprovalRefused>(&plan)) return fail(terminal, refused->message);
        if (auto* already = std::get_if<AlreadyApproved>(&plan)) {
            terminal.err << already->version << " is already approved for " << command.environment << " on workload "
                         << command.workload << "; nothing to change\n";
            if (structured(global.output)) print_objects(terminal, global.output, {*workload}, false);
            return 0;
        }
        auto& approval = std::get<ApprovalPatch>(plan);
        auto patched = session.merge_patch(v1::workloads(), command.workload, std::move(approval.patch));
        if (!patched && patched.error().reason == kube::ErrorReason::Conflict && attempt < promote_attempts) continue;
        if (!patched) {
            const std::string why = patched.error().reason == kube::ErrorReason::Conflict
                                        ? "the workload kept changing while writing (" +
                                              std::to_string(promote_attempts) + " attempts); try again"
                                        : describe(patched.error());
            return fail(terminal, "approving " + approval.version + " for " + command.environment + " on workload " +
                                      command.workload + ": " + why);
        }
        for (const auto& version : approval.replaced)
            terminal.err << "replaced the approval of " << version << " for " << command.environment << "\n";
        if (!approval.approval_required)
            terminal.err << "note: " << command.environment << " is not in spec.promotion.approvalRequired of workload "
                         << command.workload << ": it does not wait for an approval, so this one changes nothing\n";
        if (structured(global.output)) print_objects(terminal, global.output, {*patched}, false);
        else terminal.out << "approved " << approval.version << " for " << command.environment << " on workload "
                          << command.workload << "\n";
        return 0;
    }
}

namespace {

/// The rendered objects for the files of a plan or diff.
kube::Result<controllers::PlanOutput> render(const std::vector<std::string>& paths) {
    auto documents = controllers::read_plan_paths(paths);
    if (!documents) return documents.error();
    return controllers::render_plan(*documents);
}

std::optional<kube::ResourceType> type_of(const kube::Json& object) {
    const std::string kind = kube::string_field(object, "kind");
    for (auto type : {kube::resources::config_maps(), kube::resources::deployments(), kube::resources::services(),
                      kube::resources::namespaces()})
        if (type.kind == kind) return type;
    return std::nullopt;
}

} // namespace

int plan(const PlanCommand& command, Terminal& terminal) {
    auto output = render(command.paths);
    if (!output) return fail(terminal, describe(output.error()));
    for (const auto& warning : output->warnings) terminal.err << "warning: " << warning << "\n";
    terminal.out << output->yaml;
    return 0;
}

namespace {

/// Sessions with the clusters a diff compares with, opened once each: "" is the
/// caller's own; another is reached through its registration Secret, as the
/// operator reaches it (so the caller must be allowed to read that Secret).
class ClusterSessions {
public:
    ClusterSessions(Session& home, std::string operator_namespace)
        : home_(home), operator_namespace_(std::move(operator_namespace)) {}

    /// The session for `cluster`, or why there is none.
    std::variant<Session*, std::string> get(const std::string& cluster) {
        if (cluster.empty()) return &home_;
        auto found = opened_.find(cluster);
        if (found == opened_.end()) found = opened_.emplace(cluster, open(cluster)).first;
        if (auto* session = std::get_if<std::unique_ptr<Session>>(&found->second)) return session->get();
        return std::get<std::string>(found->second);
    }

private:
    std::variant<std::unique_ptr<Session>, std::string> open(const std::string& cluster) {
        const std::string where = "Secret " + operator_namespace_ + "/" + cluster;
        auto secret = home_.get(kube::resources::secrets(), cluster, operator_namespace_);
        if (!secret) return "reading " + where + ": " + describe(secret.error());
        auto credentials = clusters::credentials_from_secret(*secret);
        if (auto* error = std::get_if<std::string>(&credentials)) return where + ": " + *error;
        auto session = Session::connect(std::move(std::get<clusters::ClusterCredentials>(credentials).config));
        if (!session) return where + ": " + describe(session.error());
        return std::move(*session);
    }

    Session& home_;
    std::string operator_namespace_;
    std::map<std::string, std::variant<std::unique_ptr<Session>, std::string>> opened_;
};

} // namespace

int diff(Session& session, const DiffCommand& command, Terminal& terminal) {
    auto output = render(command.paths);
    if (!output) return fail(terminal, describe(output.error())) + 1;
    ClusterSessions clusters(session, command.operator_namespace);
    int differences = 0, unknown = 0;
    for (auto& [cluster, object] : output->objects) {
        auto type = type_of(object);
        if (!type) continue;
        const std::string name = kube::string_at(object, "/metadata/name");
        const std::string ns = type->namespaced ? kube::string_at(object, "/metadata/namespace") : "";
        const std::string shown = type->kind + " " + (ns.empty() ? "" : ns + "/") + name +
                                  (cluster.empty() ? "" : " (cluster " + cluster + ")");
        auto reach = clusters.get(cluster);
        if (auto* why = std::get_if<std::string>(&reach)) {
            terminal.out << "? " << shown << ": cannot compare: " << *why << "\n";
            ++unknown;
            continue;
        }
        auto live = std::get<Session*>(reach)->get(*type, name, ns);
        if (!live && live.error().reason == kube::ErrorReason::NotFound) {
            terminal.out << "+ " << shown << ": missing from the cluster\n";
            ++differences;
            continue;
        }
        if (!live) return fail(terminal, "reading " + shown + ": " + describe(live.error())) + 1;
        // The owner's uid is the cluster's, never in files: compare the rest.
        if (object.contains("metadata")) object["metadata"].erase("ownerReferences");
        const auto changes = field_changes(object, *live);
        if (changes.empty()) continue;
        terminal.out << "~ " << shown << "\n";
        for (const auto& change : changes) terminal.out << "    " << format_change(change) << "\n";
        ++differences;
    }
    if (unknown > 0) return fail(terminal, std::to_string(unknown) + " objects could not be compared") + 1;
    if (differences == 0) terminal.err << "no differences\n";
    return differences == 0 ? 0 : 1;
}

} // namespace labfleet::plugin
