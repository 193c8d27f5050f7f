// `kubectl labfleet cluster add`: the requests; what they carry is built by
// plugin/cluster_registration.cpp.
#include <ostream>

#include "api/v1alpha1/duration.hpp"
#include "controllers/render/yaml_convert.hpp"
#include "kube/json/json_fields.hpp"
#include "kube/meta/time_format.hpp"
#include "plugin/cluster_registration.hpp"
#include "plugin/commands.hpp"

namespace labfleet::plugin {
namespace {

/// One object the verb wrote, and what applying it did.
struct Written {
    std::string cluster;  // "remote" or "home"
    kube::Json object;
    std::string action;   // "created", "configured" or "unchanged"
};

/// Applies `object` and says whether that created, changed or kept it (by its
/// resourceVersion before and after); the error names the object and cluster.
std::variant<Written, std::string> apply_one(Session& session, const std::string& cluster, const RemoteObject& item) {
    const std::string shown = describe_object(item.object);
    const std::string where = cluster == "home" ? " in the operator's cluster (" : " in the other cluster (";
    const std::string ns = item.type.namespaced ? kube::string_at(item.object, "/metadata/namespace") : "";
    auto before = session.get(item.type, kube::string_at(item.object, "/metadata/name"), ns);
    if (!before && before.error().reason != kube::ErrorReason::NotFound)
        return "reading " + shown + where + session.source() + "): " + describe(before.error());
    auto applied = session.apply(item.type, item.object, registration_field_manager);
    if (!applied) return "applying " + shown + where + session.source() + "): " + describe(applied.error());
    std::string action = "created";
    if (before)
        action = kube::string_at(*before, "/metadata/resourceVersion") ==
                         kube::string_at(*applied, "/metadata/resourceVersion")
                     ? "unchanged"
                     : "configured";
    return Written{cluster, std::move(*applied), action};
}

/// The target namespaces missing from the other cluster, or why that is unknown.
std::variant<std::vector<std::string>, std::string> missing_namespaces(Session& remote,
                                                                       const ClusterAddCommand& command) {
    std::vector<std::string> missing;
    for (const auto& ns : command.namespaces) {
        if (ns == command.service_account_namespace) continue;  // created with the ServiceAccount
        auto found = remote.get(kube::resources::namespaces(), ns);
        if (found) continue;
        if (found.error().reason != kube::ErrorReason::NotFound)
            return "reading Namespace " + ns + " in the other cluster (" + remote.source() +
                   "): " + describe(found.error());
        missing.push_back(ns);
    }
    return missing;
}

kube::Json written_entry(const Written& written) {
    return {{"cluster", written.cluster},
            {"apiVersion", kube::string_field(written.object, "apiVersion")},
            {"kind", kube::string_field(written.object, "kind")},
            {"namespace", kube::string_at(written.object, "/metadata/namespace")},
            {"name", kube::string_at(written.object, "/metadata/name")},
            {"action", written.action}};
}

} // namespace

int cluster_add(Session& home, Session& remote, const GlobalOptions& global, const ClusterAddCommand& command,
                Terminal& terminal) {
    const bool structured = global.output == OutputFormat::Json || global.output == OutputFormat::Yaml;
    const std::string account = command.service_account_namespace + "/" + command.service_account;
    const std::string binding = token_secret_name(command.name);

    // Before writing anywhere: the kubeconfig can be built from the remote's
    // settings, the operator would accept it, and the home cluster would take
    // the Secret (its namespace exists, the caller may write it).
    auto probe_text = token_kubeconfig(command.name, remote.config(), command.service_account, "dry-run");
    if (auto* error = std::get_if<RegistrationError>(&probe_text)) return fail(terminal, error->message);
    auto probe = cluster_secret(command, std::get<std::string>(probe_text));
    if (auto* error = std::get_if<RegistrationError>(&probe)) return fail(terminal, error->message);
    if (auto checked = home.apply(kube::resources::secrets(), std::get<kube::Json>(probe), registration_field_manager,
                                  /*dry_run=*/true);
        !checked)
        return fail(terminal, "Secret " + command.operator_namespace + "/" + command.name +
                                  " in the operator's cluster (" + home.source() +
                                  ") cannot be written: " + describe(checked.error()));
    if (!command.create_namespaces) {
        auto missing = missing_namespaces(remote, command);
        if (auto* error = std::get_if<std::string>(&missing)) return fail(terminal, *error);
        if (const auto& names = std::get<std::vector<std::string>>(missing); !names.empty()) {
            std::string list;
            for (const auto& ns : names) list += (list.empty() ? "" : ", ") + ns;
            const bool one = names.size() == 1;
            return fail(terminal, std::string(one ? "namespace " : "namespaces ") + list +
                                      " not found in the other cluster (" + remote.source() + "); create " +
                                      (one ? "it" : "them") + " or pass --create-namespaces. Nothing was written");
        }
    }

    std::vector<Written> written;
    auto record = [&](Written item) {
        if (!structured)
            terminal.out << item.cluster << ": " << describe_object(item.object) << " " << item.action << "\n";
        written.push_back(std::move(item));
    };
    for (const auto& item : remote_objects(command)) {
        auto done = apply_one(remote, "remote", item);
        if (auto* error = std::get_if<std::string>(&done)) return fail(terminal, *error);
        record(std::get<Written>(std::move(done)));
    }

    const std::string secret_uid = kube::string_at(written.back().object, "/metadata/uid");
    auto minted = remote.request_token(command.service_account_namespace, command.service_account,
                                       token_request(binding, secret_uid, command.token_duration));
    if (!minted)
        return fail(terminal, "requesting a token of ServiceAccount " + account + " in the other cluster (" +
                                  remote.source() + "): " + describe(minted.error()));
    const std::string token = kube::string_at(*minted, "/status/token");
    const std::string expires = kube::string_at(*minted, "/status/expirationTimestamp");
    if (token.empty())
        return fail(terminal, "the TokenRequest of ServiceAccount " + account + " was answered without a token");

    auto text = token_kubeconfig(command.name, remote.config(), command.service_account, token);
    if (auto* error = std::get_if<RegistrationError>(&text)) return fail(terminal, error->message);
    auto secret = cluster_secret(command, std::get<std::string>(text));
    if (auto* error = std::get_if<RegistrationError>(&secret)) return fail(terminal, error->message);

    // Granted: the API server may shorten what was asked (--service-account-max-token-expiration).
    std::string granted;
    if (auto until = kube::parse_rfc3339(expires)) {
        const auto left = std::chrono::round<std::chrono::minutes>(*until - std::chrono::system_clock::now());
        granted = api::v1alpha1::format_duration(left);
    }
    if (!structured) {
        terminal.out << "remote: token of ServiceAccount " << account << " bound to Secret "
                     << command.service_account_namespace << "/" << binding << ", expires "
                     << (expires.empty() ? "(not said)" : expires);
        if (!granted.empty()) terminal.out << " (" << granted << "; asked for "
                                           << api::v1alpha1::format_duration(command.token_duration) << ")";
        terminal.out << "\n";
    }

    auto done = apply_one(home, "home", {kube::resources::secrets(), std::get<kube::Json>(std::move(secret))});
    if (auto* error = std::get_if<std::string>(&done)) return fail(terminal, *error);
    record(std::get<Written>(std::move(done)));

    if (structured) {
        kube::Json objects = kube::Json::array();
        for (const auto& item : written) objects.push_back(written_entry(item));
        const kube::Json report = {
            {"cluster", command.name},
            {"objects", std::move(objects)},
            {"token",
             {{"serviceAccount", account},
              {"boundSecret", command.service_account_namespace + "/" + binding},
              {"expirationTimestamp", expires},
              {"requestedExpirationSeconds", command.token_duration.count()}}}};
        if (global.output == OutputFormat::Json) terminal.out << report.dump(4) << "\n";
        else terminal.out << controllers::json_to_yaml(report);
    }
    return 0;
}

} // namespace labfleet::plugin
