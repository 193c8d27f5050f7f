#include <catch2/catch.hpp>

#include "clusters/cluster_secret.hpp"
#include "clusters/remote_permissions.hpp"
#include "kube/config/config_loader.hpp"
#include "plugin/cluster_registration.hpp"

using namespace labfleet;
using namespace labfleet::plugin;

namespace {

ClusterAddCommand command(std::vector<std::string> namespaces, bool create = false) {
    ClusterAddCommand out;
    out.name = "prod-eu";
    out.remote_kubeconfig = "/admin.kubeconfig";
    out.namespaces = std::move(namespaces);
    out.create_namespaces = create;
    return out;
}

kube::ClusterConfig remote() {
    kube::ClusterConfig out;
    out.server = "https://prod-eu.example:6443";
    out.ca_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    out.client_cert_pem = "the admin's certificate, never copied";
    out.source = "kubeconfig /admin.kubeconfig";
    return out;
}

std::vector<std::string> described(const std::vector<RemoteObject>& objects) {
    std::vector<std::string> out;
    for (const auto& item : objects) out.push_back(describe_object(item.object));
    return out;
}

/// Every (verb, group, resource, name) a Role's rules grant, expanded.
std::vector<clusters::Permission> granted(const kube::Json& rules) {
    std::vector<clusters::Permission> out;
    using S = std::string;
    for (const auto& rule : rules)
        for (const auto& group : rule["apiGroups"])
            for (const auto& resource : rule["resources"])
                for (const auto& verb : rule["verbs"]) {
                    if (!rule.contains("resourceNames")) {
                        out.push_back({verb.get<S>(), group.get<S>(), resource.get<S>(), ""});
                        continue;
                    }
                    for (const auto& name : rule["resourceNames"])
                        out.push_back({verb.get<S>(), group.get<S>(), resource.get<S>(), name.get<S>()});
                }
    return out;
}

bool same_permissions(std::vector<clusters::Permission> a, std::vector<clusters::Permission> b) {
    auto key = [](const clusters::Permission& p) { return p.describe(); };
    auto less = [&](const auto& x, const auto& y) { return key(x) < key(y); };
    std::ranges::sort(a, less);
    std::ranges::sort(b, less);
    return std::ranges::equal(a, b, [&](const auto& x, const auto& y) { return key(x) == key(y); });
}

const kube::Json* find(const std::vector<RemoteObject>& objects, const std::string& shown) {
    for (const auto& item : objects)
        if (describe_object(item.object) == shown) return &item.object;
    return nullptr;
}

} // namespace

TEST_CASE("the target Role grants exactly what the operator asks the remote cluster for") {
    const auto needed = clusters::permissions_needed("workshops");
    const auto rules = role_rules(needed);
    CHECK(same_permissions(granted(rules), needed));
    // The shape docs/multicluster.md shows: resources sharing verbs merged, the namespace by name.
    CHECK(rules == kube::Json::parse(R"([
        {"apiGroups": [""], "resources": ["configmaps", "services"],
         "verbs": ["get", "list", "watch", "create", "patch", "delete"]},
        {"apiGroups": ["apps"], "resources": ["deployments"],
         "verbs": ["get", "list", "watch", "create", "patch", "delete"]},
        {"apiGroups": [""], "resources": ["namespaces"], "resourceNames": ["workshops"], "verbs": ["get"]}
    ])"));
}

TEST_CASE("role rules keep verbs apart per resource name and drop repeated permissions") {
    const auto rules = role_rules({{"get", "", "namespaces", "a"},
                                   {"get", "", "namespaces", "a"},
                                   {"get", "", "namespaces", "b"},
                                   {"list", "", "secrets", ""}});
    CHECK(rules.size() == 3);
    CHECK(rules[0]["resourceNames"] == kube::Json::array({"a"}));
    CHECK(rules[0]["verbs"] == kube::Json::array({"get"}));
    CHECK(rules[1]["resourceNames"] == kube::Json::array({"b"}));
    CHECK_FALSE(rules[2].contains("resourceNames"));
}

TEST_CASE("the remote objects: namespace, account, a Role and binding per namespace, the identity, the token's Secret") {
    const auto objects = remote_objects(command({"workshops", "labs"}));
    CHECK(described(objects) == std::vector<std::string>{
                                    "Namespace labfleet-system",
                                    "ServiceAccount labfleet-system/labfleet",
                                    "Role workshops/labfleet-target",
                                    "RoleBinding workshops/labfleet-target",
                                    "Role labs/labfleet-target",
                                    "RoleBinding labs/labfleet-target",
                                    "Role kube-system/labfleet-cluster-identity",
                                    "RoleBinding kube-system/labfleet-cluster-identity",
                                    "Secret labfleet-system/labfleet-token-prod-eu",
                                });
    const auto* labs = find(objects, "Role labs/labfleet-target");
    REQUIRE(labs);
    CHECK(same_permissions(granted((*labs)["rules"]), clusters::permissions_needed("labs")));
    const auto* identity = find(objects, "Role kube-system/labfleet-cluster-identity");
    REQUIRE(identity);
    CHECK((*identity)["rules"] == kube::Json::parse(
                                      R"([{"apiGroups": [""], "resources": ["namespaces"],
                                           "resourceNames": ["kube-system"], "verbs": ["get"]}])"));
    const auto* binding = find(objects, "RoleBinding kube-system/labfleet-cluster-identity");
    REQUIRE(binding);
    CHECK((*binding)["roleRef"] == kube::Json::parse(R"({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                                         "name": "labfleet-cluster-identity"})"));
    CHECK((*binding)["subjects"] == kube::Json::parse(R"([{"kind": "ServiceAccount", "name": "labfleet",
                                                           "namespace": "labfleet-system"}])"));
    const auto* secret = find(objects, "Secret labfleet-system/labfleet-token-prod-eu");
    REQUIRE(secret);
    CHECK((*secret)["type"] == "Opaque");
    CHECK_FALSE(secret->contains("data"));
}

TEST_CASE("the remote objects follow --service-account and --create-namespaces") {
    auto add = command({"workshops", "team-a"}, true);
    add.service_account_namespace = "team-a";
    add.service_account = "fleet";
    const auto objects = remote_objects(add);
    CHECK(described(objects) == std::vector<std::string>{
                                    "Namespace team-a",
                                    "Namespace workshops",
                                    "ServiceAccount team-a/fleet",
                                    "Role workshops/labfleet-target",
                                    "RoleBinding workshops/labfleet-target",
                                    "Role team-a/labfleet-target",
                                    "RoleBinding team-a/labfleet-target",
                                    "Role kube-system/labfleet-cluster-identity",
                                    "RoleBinding kube-system/labfleet-cluster-identity",
                                    "Secret team-a/labfleet-token-prod-eu",
                                });
    const auto* binding = find(objects, "RoleBinding workshops/labfleet-target");
    REQUIRE(binding);
    CHECK((*binding)["subjects"][0]["name"] == "fleet");
    CHECK((*binding)["subjects"][0]["namespace"] == "team-a");
}

TEST_CASE("the token request is bound to the Secret and asks for the duration") {
    const auto request = token_request("labfleet-token-prod-eu", "uid-1", std::chrono::hours(24 * 365));
    CHECK(request == kube::Json::parse(R"({
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
        "spec": {"expirationSeconds": 31536000,
                 "boundObjectRef": {"apiVersion": "v1", "kind": "Secret", "name": "labfleet-token-prod-eu",
                                    "uid": "uid-1"}}})"));
}

TEST_CASE("the kubeconfig carries the server, the CA inline and the token alone") {
    auto text = token_kubeconfig("prod-eu", remote(), "labfleet", "tok.en");
    REQUIRE(std::holds_alternative<std::string>(text));
    const auto& yaml = std::get<std::string>(text);
    CHECK_THAT(yaml, Catch::Contains("certificate-authority-data: " + encode_base64(remote().ca_pem)));
    CHECK_THAT(yaml, !Catch::Contains("admin"));
    // Read back as the operator reads it: no file references allowed.
    auto loaded = kube::load_kubeconfig_text(yaml, "", {}, kube::FileReferences::Refuse);
    REQUIRE(loaded);
    CHECK(loaded->server == "https://prod-eu.example:6443");
    CHECK(loaded->ca_pem == remote().ca_pem);
    CHECK(loaded->token == "tok.en");
    CHECK(loaded->client_cert_pem.empty());
    CHECK(loaded->tls_server_name.empty());
}

TEST_CASE("the kubeconfig keeps the TLS server name, leaves out an absent CA, refuses skipped verification") {
    auto config = remote();
    config.tls_server_name = "api.internal";
    config.ca_pem.clear();
    auto text = token_kubeconfig("prod-eu", config, "labfleet", "t");
    REQUIRE(std::holds_alternative<std::string>(text));
    auto loaded = kube::load_kubeconfig_text(std::get<std::string>(text), "", {}, kube::FileReferences::Refuse);
    REQUIRE(loaded);
    CHECK(loaded->tls_server_name == "api.internal");
    CHECK(loaded->ca_pem.empty());

    config.insecure_skip_tls_verify = true;
    auto refused = token_kubeconfig("prod-eu", config, "labfleet", "t");
    REQUIRE(std::holds_alternative<RegistrationError>(refused));
    CHECK_THAT(std::get<RegistrationError>(refused).message, Catch::Contains("insecure-skip-tls-verify"));
}

TEST_CASE("the home Secret is labelled as a cluster and read by the operator as the remote with the token") {
    auto add = command({"workshops"});
    add.operator_namespace = "ops";
    const auto text = std::get<std::string>(token_kubeconfig("prod-eu", remote(), "labfleet", "tok.en"));
    auto built = cluster_secret(add, text);
    REQUIRE(std::holds_alternative<kube::Json>(built));
    const auto& secret = std::get<kube::Json>(built);
    CHECK(describe_object(secret) == "Secret ops/prod-eu");
    CHECK(secret["metadata"]["labels"] == kube::Json{{"labfleet.dev/secret-type", "cluster"}});
    CHECK(secret["data"]["kubeconfig"] == encode_base64(text));
    auto read = clusters::credentials_from_secret(secret);
    REQUIRE(std::holds_alternative<clusters::ClusterCredentials>(read));
    const auto& config = std::get<clusters::ClusterCredentials>(read).config;
    CHECK(config.server == "https://prod-eu.example:6443");
    CHECK(config.token == "tok.en");
}

TEST_CASE("a kubeconfig the operator would refuse is an error naming the Secret") {
    auto built = cluster_secret(command({"workshops"}), "apiVersion: v1\nkind: Config\nclusters: []\n");
    REQUIRE(std::holds_alternative<RegistrationError>(built));
    CHECK_THAT(std::get<RegistrationError>(built).message,
               Catch::StartsWith("Secret labfleet-system/prod-eu would be refused by the operator: data.kubeconfig"));
}

TEST_CASE("base64 as the API server decodes it") {
    CHECK(encode_base64("") == "");
    CHECK(encode_base64("f") == "Zg==");
    CHECK(encode_base64("fo") == "Zm8=");
    CHECK(encode_base64("foo") == "Zm9v");
    CHECK(encode_base64("foobar") == "Zm9vYmFy");
    const std::string bytes{"\x00\xff\x10\x80 binary", 11};
    CHECK(kube::decode_base64(encode_base64(bytes)) == bytes);
}
