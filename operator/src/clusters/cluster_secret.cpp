#include "clusters/cluster_secret.hpp"

#include <functional>

#include "kube/config/config_loader.hpp"
#include "kube/json/json_fields.hpp"

namespace labfleet::clusters {

std::string cluster_secret_selector() { return std::string(secret_type_label) + "=" + secret_type_cluster; }

std::variant<ClusterCredentials, std::string> credentials_from_secret(const kube::Json& secret) {
    const kube::Json::json_pointer pointer(std::string("/data/") + kubeconfig_key);
    const std::string field = std::string("data.") + kubeconfig_key;
    if (!secret.contains(pointer)) return field + ": missing";
    const kube::Json& encoded = secret.at(pointer);
    if (!encoded.is_string()) return field + ": must be a base64 string";
    const auto text = kube::decode_base64(encoded.get_ref<const std::string&>());
    if (!text) return field + ": invalid base64";
    // No file name: messages read "data.kubeconfig: users[0].user...", and relative paths are refused anyway.
    auto loaded = kube::load_kubeconfig_text(*text, "", {}, kube::FileReferences::Refuse);
    if (!loaded) return field + ": " + loaded.error().describe();
    ClusterCredentials out{std::move(loaded).value(), {}};
    if (out.config.token.empty() && out.config.client_cert_pem.empty())
        return field + ": the user has neither a token nor a client certificate";
    out.config.source = "cluster Secret " + kube::string_at(secret, "/metadata/name");
    out.fingerprint = std::to_string(std::hash<std::string>{}(*text));
    return out;
}

} // namespace labfleet::clusters
