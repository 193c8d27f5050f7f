#include "plugin/cluster_registration.hpp"

#include <algorithm>

#include "clusters/cluster_secret.hpp"
#include "controllers/render/yaml_convert.hpp"
#include "kube/json/json_fields.hpp"

namespace labfleet::plugin {
namespace {

/// Marks what the verb made, so that `kubectl get -l` finds it.
const kube::Json part_of_labfleet = {{"app.kubernetes.io/part-of", "labfleet"}};

kube::Json metadata(const std::string& name, const std::string& ns) {
    return {{"name", name}, {"namespace", ns}, {"labels", part_of_labfleet}};
}

kube::Json namespace_object(const std::string& name) {
    return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}

kube::Json role(const std::string& name, const std::string& ns, kube::Json rules) {
    return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
            {"kind", "Role"},
            {"metadata", metadata(name, ns)},
            {"rules", std::move(rules)}};
}

kube::Json role_binding(const std::string& name, const std::string& ns, const ClusterAddCommand& command) {
    return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
            {"kind", "RoleBinding"},
            {"metadata", metadata(name, ns)},
            {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", name}}},
            {"subjects", kube::Json::array({{{"kind", "ServiceAccount"},
                                             {"name", command.service_account},
                                             {"namespace", command.service_account_namespace}}})}};
}

} // namespace

kube::ResourceType service_accounts() { return {"", "v1", "ServiceAccount", "serviceaccounts", true}; }
kube::ResourceType roles() { return {"rbac.authorization.k8s.io", "v1", "Role", "roles", true}; }
kube::ResourceType role_bindings() { return {"rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true}; }

clusters::Permission identity_permission() { return {"get", "", "namespaces", "kube-system"}; }

kube::Json role_rules(const std::vector<clusters::Permission>& permissions) {
    // Verbs per (group, resource, name), then resources merged per (group, verbs, name).
    struct Grant {
        std::string group, resource, name;
        std::vector<std::string> verbs;
    };
    std::vector<Grant> grants;
    for (const auto& p : permissions) {
        auto it = std::ranges::find_if(grants, [&](const Grant& g) {
            return g.group == p.group && g.resource == p.resource && g.name == p.name;
        });
        if (it == grants.end()) it = grants.insert(grants.end(), Grant{p.group, p.resource, p.name, {}});
        if (std::ranges::find(it->verbs, p.verb) == it->verbs.end()) it->verbs.push_back(p.verb);
    }
    kube::Json rules = kube::Json::array();
    std::vector<const Grant*> heads;  // the grant each rule was started by
    for (const auto& grant : grants) {
        auto same = std::ranges::find_if(heads, [&](const Grant* head) {
            return head->group == grant.group && head->name == grant.name && head->verbs == grant.verbs;
        });
        if (same != heads.end()) {
            rules[static_cast<std::size_t>(same - heads.begin())]["resources"].push_back(grant.resource);
            continue;
        }
        kube::Json rule = {{"apiGroups", kube::Json::array({grant.group})}, {"resources", kube::Json::array({grant.resource})}};
        if (!grant.name.empty()) rule["resourceNames"] = kube::Json::array({grant.name});
        rule["verbs"] = grant.verbs;
        rules.push_back(std::move(rule));
        heads.push_back(&grant);
    }
    return rules;
}

std::string token_secret_name(const std::string& cluster) { return "labfleet-token-" + cluster; }

std::vector<RemoteObject> remote_objects(const ClusterAddCommand& command) {
    std::vector<RemoteObject> out;
    out.push_back({kube::resources::namespaces(), namespace_object(command.service_account_namespace)});
    if (command.create_namespaces)
        for (const auto& ns : command.namespaces)
            if (ns != command.service_account_namespace) out.push_back({kube::resources::namespaces(), namespace_object(ns)});
    out.push_back({service_accounts(),
                   {{"apiVersion", "v1"},
                    {"kind", "ServiceAccount"},
                    {"metadata", metadata(command.service_account, command.service_account_namespace)}}});
    for (const auto& ns : command.namespaces) {
        out.push_back({roles(), role(target_role_name, ns, role_rules(clusters::permissions_needed(ns)))});
        out.push_back({role_bindings(), role_binding(target_role_name, ns, command)});
    }
    out.push_back({roles(), role(identity_role_name, "kube-system", role_rules({identity_permission()}))});
    out.push_back({role_bindings(), role_binding(identity_role_name, "kube-system", command)});
    out.push_back({kube::resources::secrets(),
                   {{"apiVersion", "v1"},
                    {"kind", "Secret"},
                    {"metadata", metadata(token_secret_name(command.name), command.service_account_namespace)},
                    {"type", "Opaque"}}});
    return out;
}

kube::Json token_request(const std::string& secret_name, const std::string& secret_uid, std::chrono::seconds duration) {
    return {{"apiVersion", "authentication.k8s.io/v1"},
            {"kind", "TokenRequest"},
            {"spec",
             {{"expirationSeconds", duration.count()},
              {"boundObjectRef", {{"apiVersion", "v1"}, {"kind", "Secret"}, {"name", secret_name}, {"uid", secret_uid}}}}}};
}

std::variant<std::string, RegistrationError> token_kubeconfig(const std::string& cluster,
                                                              const kube::ClusterConfig& remote,
                                                              const std::string& user, const std::string& token) {
    if (remote.insecure_skip_tls_verify)
        return RegistrationError{remote.source + ": insecure-skip-tls-verify is set; give the cluster's CA "
                                                 "(certificate-authority-data) instead"};
    kube::Json server = {{"server", remote.server}};
    // Empty: the server's certificate is signed by a CA the system trusts.
    if (!remote.ca_pem.empty()) server["certificate-authority-data"] = encode_base64(remote.ca_pem);
    if (!remote.tls_server_name.empty()) server["tls-server-name"] = remote.tls_server_name;
    const kube::Json config = {
        {"apiVersion", "v1"},
        {"kind", "Config"},
        {"clusters", kube::Json::array({{{"name", cluster}, {"cluster", std::move(server)}}})},
        {"users", kube::Json::array({{{"name", user}, {"user", {{"token", token}}}}})},
        {"contexts", kube::Json::array({{{"name", cluster}, {"context", {{"cluster", cluster}, {"user", user}}}}})},
        {"current-context", cluster}};
    return controllers::json_to_yaml(config);
}

std::variant<kube::Json, RegistrationError> cluster_secret(const ClusterAddCommand& command,
                                                           const std::string& kubeconfig) {
    kube::Json secret = {{"apiVersion", "v1"},
                         {"kind", "Secret"},
                         {"metadata",
                          {{"name", command.name},
                           {"namespace", command.operator_namespace},
                           {"labels", {{clusters::secret_type_label, clusters::secret_type_cluster}}}}},
                         {"type", "Opaque"},
                         {"data", {{clusters::kubeconfig_key, encode_base64(kubeconfig)}}}};
    auto checked = clusters::credentials_from_secret(secret);
    if (auto* refusal = std::get_if<std::string>(&checked))
        return RegistrationError{"Secret " + command.operator_namespace + "/" + command.name +
                                 " would be refused by the operator: " + *refusal};
    return secret;
}

std::string describe_object(const kube::Json& object) {
    const std::string ns = kube::string_at(object, "/metadata/namespace");
    return kube::string_field(object, "kind") + " " + (ns.empty() ? "" : ns + "/") +
           kube::string_at(object, "/metadata/name");
}

std::string encode_base64(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned n = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += alphabet[n >> 6 & 63];
        out += alphabet[n & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += rest == 2 ? alphabet[n >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

} // namespace labfleet::plugin
