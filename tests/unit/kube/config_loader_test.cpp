#include <catch2/catch.hpp>

#include <map>

#include "kube/config/config_loader.hpp"

using namespace labfleet::kube;

namespace {

const std::string kDir = std::string(LABFLEET_SOURCE_DIR) + "/tests/data/kubeconfig";

std::string data(const std::string& name) { return kDir + "/" + name; }

ConfigEnvironment fake_env(std::map<std::string, std::string> vars, std::string sa_dir = data("serviceaccount")) {
    ConfigEnvironment env;
    env.getenv = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
    env.service_account_dir = std::move(sa_dir);
    return env;
}

std::string error_of(const ConfigResult& result) {
    REQUIRE_FALSE(result.ok());
    return result.error().describe();
}

} // namespace

TEST_CASE("decode_base64 decodes standard base64 and refuses the rest") {
    CHECK(decode_base64("") == "");
    CHECK(decode_base64("Zg==") == "f");
    CHECK(decode_base64("Zm8=") == "fo");
    CHECK(decode_base64("Zm9v") == "foo");
    CHECK(decode_base64("Zm9v\nYmFy\r\n") == "foobar");
    CHECK(decode_base64(std::string_view("AAE=", 4)) == std::string("\0\1", 2));
    for (const char* bad : {"Zm9", "Zm9v!A==", "Z===", "Zg==Zg==", "Zm=v", "Zm9v-_8="}) {
        INFO(bad);
        CHECK_FALSE(decode_base64(bad).has_value());
    }
}

TEST_CASE("load_kubeconfig resolves current-context with inline data") {
    const ConfigResult r = load_kubeconfig({data("basic.yaml")});
    REQUIRE(r.ok());
    CHECK(r->server == "https://dev.example:6443");
    CHECK(r->ca_pem == "dev-ca\n");
    CHECK(r->client_cert_pem == "dev-cert\n");
    CHECK(r->client_key_pem == "dev-key\n");
    CHECK(r->token.empty());
    CHECK(r->ns == "team-a");
    CHECK_FALSE(r->insecure_skip_tls_verify);
    CHECK(r->source == "kubeconfig " + data("basic.yaml") + " (context dev)");
}

TEST_CASE("load_kubeconfig honours an explicit context, relative CA paths and tokens") {
    const ConfigResult r = load_kubeconfig({data("basic.yaml")}, "prod");
    REQUIRE(r.ok());
    CHECK(r->server == "https://prod.example:6443");
    CHECK(r->ca_pem == "prod-ca\n");
    CHECK(r->tls_server_name == "api.prod.internal");
    CHECK(r->token == "prod-token");
    CHECK(r->client_cert_pem.empty());
    CHECK(r->ns == "default");
}

TEST_CASE("load_kubeconfig reads client certificates and tokenFile relative to the file") {
    const ConfigResult r = load_kubeconfig({data("overlay.yaml")});
    REQUIRE(r.ok());
    CHECK(r->server == "https://lab.example:6443");
    CHECK(r->insecure_skip_tls_verify);
    CHECK(r->client_cert_pem == "client-cert-from-file\n");
    CHECK(r->client_key_pem == "client-key-from-file\n");
    CHECK(r->token_file == data("certs/token"));
    CHECK(r->ns == "lab-ns");
}

TEST_CASE("load_kubeconfig merges several files, the first wins per name and for current-context") {
    const ConfigResult first_basic = load_kubeconfig({data("basic.yaml"), data("overlay.yaml")});
    REQUIRE(first_basic.ok());
    CHECK(first_basic->server == "https://dev.example:6443");  // basic's dev, not overlay's
    const ConfigResult lab = load_kubeconfig({data("basic.yaml"), data("overlay.yaml")}, "lab");
    REQUIRE(lab.ok());
    CHECK(lab->server == "https://lab.example:6443");  // contexts from the second file are visible

    const ConfigResult first_overlay = load_kubeconfig({data("overlay.yaml"), data("basic.yaml")}, "dev");
    REQUIRE(first_overlay.ok());
    CHECK(first_overlay->server == "https://overridden.example:6443");
    CHECK(first_overlay->client_key_pem == "dev-key\n");  // user from basic.yaml
    CHECK(load_kubeconfig({data("overlay.yaml"), data("basic.yaml")})->server == "https://lab.example:6443");
}

TEST_CASE("load_kubeconfig errors name the file and the key") {
    CHECK(error_of(load_kubeconfig({data("no-current-context.yaml")})) ==
          "kubeconfig " + data("no-current-context.yaml") + ": current-context: not set and no context given");
    CHECK(error_of(load_kubeconfig({data("unknown-context.yaml")})) ==
          "kubeconfig " + data("unknown-context.yaml") + ": current-context: context \"nowhere\" not found");
    CHECK(error_of(load_kubeconfig({data("basic.yaml")}, "staging")) ==
          "kubeconfig " + data("basic.yaml") + ": context \"staging\" not found");
    CHECK(error_of(load_kubeconfig({data("bad-base64.yaml")})) ==
          "kubeconfig " + data("bad-base64.yaml") + ": users[0].user.client-key-data: invalid base64");
    CHECK(error_of(load_kubeconfig({data("no-server.yaml")})) ==
          "kubeconfig " + data("no-server.yaml") + ": clusters[1].cluster.server: missing");
    CHECK(error_of(load_kubeconfig({data("exec-user.yaml")})) ==
          "kubeconfig " + data("exec-user.yaml") +
              ": users[0].user.exec: not supported (use a client certificate or a token)");

    const std::string missing_ca = error_of(load_kubeconfig({data("missing-ca.yaml")}));
    CHECK(missing_ca.rfind("kubeconfig " + data("missing-ca.yaml") +
                               ": clusters[0].cluster.certificate-authority: cannot read " +
                               data("certs/does-not-exist.crt") + ": ",
                           0) == 0);

    const std::string invalid = error_of(load_kubeconfig({data("invalid.yaml")}));
    CHECK(invalid.rfind("kubeconfig " + data("invalid.yaml") + ": invalid YAML", 0) == 0);

    const std::string absent = error_of(load_kubeconfig({data("absent.yaml")}));
    CHECK(absent.rfind("kubeconfig " + data("absent.yaml") + ": cannot read", 0) == 0);
}

TEST_CASE("load_kubeconfig_text parses text like a file of that name") {
    const std::string file = data("basic.yaml");
    const ConfigResult r = load_kubeconfig_text("current-context: c\n"
                                                "clusters: [{name: k, cluster: {server: 'https://k:6443',"
                                                " certificate-authority: certs/prod-ca.crt}}]\n"
                                                "contexts: [{name: c, context: {cluster: k}}]\n",
                                                file);
    REQUIRE(r.ok());
    CHECK(r->server == "https://k:6443");
    CHECK(r->ca_pem == "prod-ca\n");  // relative to the named file's directory
    CHECK(r->source == "kubeconfig " + file + " (context c)");
    CHECK(error_of(load_kubeconfig_text("clusters: {", "inline")).rfind("kubeconfig inline: invalid YAML", 0) == 0);
    CHECK(error_of(load_kubeconfig_text("", "inline")) ==
          "kubeconfig inline: current-context: not set and no context given");
}

TEST_CASE("load_kubeconfig treats a list entry without its body like an empty one") {
    CHECK(error_of(load_kubeconfig_text("current-context: c\ncontexts: [{name: c}]\n", "inline")) ==
          "kubeconfig inline: contexts[0].context.cluster: missing");
    CHECK(error_of(load_kubeconfig_text("current-context: c\nclusters: [{name: k}]\n"
                                        "contexts: [{name: c, context: {cluster: k}}]\n",
                                        "inline")) == "kubeconfig inline: clusters[0].cluster.server: missing");
    const ConfigResult r = load_kubeconfig_text("current-context: c\n"
                                                "clusters: [{name: k, cluster: {server: 'https://k'}}]\n"
                                                "users: [{name: u}]\n"
                                                "contexts: [{name: c, context: {cluster: k, user: u}}]\n",
                                                "inline");
    REQUIRE(r.ok());
    CHECK(r->token.empty());
    CHECK(r->client_cert_pem.empty());
}

TEST_CASE("load_in_cluster_config uses the service account with a re-readable token") {
    const ConfigResult r = load_in_cluster_config(
        fake_env({{"KUBERNETES_SERVICE_HOST", "198.19.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
    REQUIRE(r.ok());
    CHECK(r->server == "https://198.19.0.1:443");
    CHECK(r->token.empty());
    CHECK(r->token_file == data("serviceaccount") + "/token");
    CHECK(r->ca_pem == "sa-ca\n");
    CHECK(r->ns == "labfleet-system");
    CHECK(r->source == "in-cluster");

    const ConfigResult v6 = load_in_cluster_config(
        fake_env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
    REQUIRE(v6.ok());
    CHECK(v6->server == "https://[fd00::1]:443");
}

TEST_CASE("load_in_cluster_config fails without env or token") {
    CHECK_FALSE(load_in_cluster_config(fake_env({{"KUBERNETES_SERVICE_HOST", "198.19.0.1"}})).ok());
    const ConfigResult no_token = load_in_cluster_config(
        fake_env({{"KUBERNETES_SERVICE_HOST", "198.19.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}, data("nowhere")));
    CHECK(error_of(no_token).rfind("in-cluster: cannot read " + data("nowhere") + "/token", 0) == 0);
}

TEST_CASE("load_cluster_config follows --kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config") {
    const std::map<std::string, std::string> in_cluster{{"KUBERNETES_SERVICE_HOST", "198.19.0.1"},
                                                        {"KUBERNETES_SERVICE_PORT", "443"},
                                                        {"HOME", data("home")}};
    auto with = [&](std::map<std::string, std::string> extra) {
        std::map<std::string, std::string> vars = in_cluster;
        for (auto& [k, v] : extra) vars[k] = v;
        return fake_env(vars);
    };

    SECTION("--kubeconfig wins over everything") {
        const ConfigResult r = load_cluster_config({data("basic.yaml"), "prod"},
                                                   with({{"KUBECONFIG", data("overlay.yaml")}}));
        REQUIRE(r.ok());
        CHECK(r->server == "https://prod.example:6443");
    }
    SECTION("$KUBECONFIG is merged, skipping missing files") {
        const ConfigResult r = load_cluster_config(
            {}, with({{"KUBECONFIG", data("absent.yaml") + ":" + data("overlay.yaml") + "::" + data("basic.yaml")}}));
        REQUIRE(r.ok());
        CHECK(r->server == "https://lab.example:6443");
    }
    SECTION("$KUBECONFIG naming only missing files is an error") {
        const ConfigResult r = load_cluster_config({}, with({{"KUBECONFIG", data("absent.yaml")}}));
        CHECK(error_of(r).find("no kubeconfig file found") != std::string::npos);
    }
    SECTION("in-cluster before the home kubeconfig") {
        const ConfigResult r = load_cluster_config({}, with({}));
        REQUIRE(r.ok());
        CHECK(r->source == "in-cluster");
    }
    SECTION("home kubeconfig when not in a cluster") {
        const ConfigResult r = load_cluster_config({}, fake_env({{"HOME", data("home")}}));
        REQUIRE(r.ok());
        CHECK(r->server == "https://home.example:6443");
    }
    SECTION("home kubeconfig when the in-cluster token is missing; its error otherwise") {
        ConfigEnvironment env = with({});
        env.service_account_dir = data("nowhere");
        REQUIRE(load_cluster_config({}, env).ok());
        env = fake_env({{"KUBERNETES_SERVICE_HOST", "198.19.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}},
                       data("nowhere"));
        CHECK(error_of(load_cluster_config({}, env)).rfind("in-cluster: cannot read", 0) == 0);
    }
    SECTION("nothing found") {
        CHECK(error_of(load_cluster_config({}, fake_env({{"HOME", data("nowhere")}})))
                  .rfind("no configuration found", 0) == 0);
    }
}
