// TLS verification against the real kube-apiserver: a kubeconfig copy that
// trusts another CA fails with a clear message; the same copy with the
// cluster's own CA works (so the failure is the CA and nothing else).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "integration/runtime/cluster.hpp"
#include "kube/config/config_loader.hpp"
#include "kube/net/https_client.hpp"
#include "kube/client/rest.hpp"
#include "support/run_coroutine.hpp"

using namespace labfleet;
using namespace labfleet::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

/// A kubeconfig naming `ca_file` and the cluster's server and client certificate (as files).
fs::path kubeconfig_copy(const fs::path& dir, const kube::ClusterConfig& cluster, const std::string& ca_file) {
    write_file(dir / "client.crt", cluster.client_cert_pem);
    write_file(dir / "client.key", cluster.client_key_pem);
    const fs::path path = dir / ("kubeconfig-" + fs::path(ca_file).stem().string());
    write_file(path, "apiVersion: v1\nkind: Config\n"
                     "clusters:\n- name: c\n  cluster:\n    server: " + cluster.server +
                         "\n    certificate-authority: " + ca_file +
                         "\nusers:\n- name: u\n  user:\n    client-certificate: client.crt\n    client-key: client.key\n"
                         "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n");
    return path;
}

asio::awaitable<kube::Result<kube::Json>> get_default_namespace(kube::Client& client) {
    const kube::ObjectKey key{"", "default"};  // named: GCC 12 double-frees braced temporaries passed to coroutines
    co_return co_await kube::rest::get(client, kube::resources::namespaces(), key);
}

} // namespace

TEST_CASE("a kubeconfig with another CA fails with a clear TLS error", "[integration][tls]") {
    const kube::ClusterConfig cluster = cluster_config();
    const fs::path dir = fs::temp_directory_path() / unique_name("labfleet-tls");
    fs::create_directories(dir);
    const auto made = run_shell("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=another-ca -keyout '" +
                                (dir / "other.key").string() + "' -out '" + (dir / "other-ca.crt").string() + "'");
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    write_file(dir / "cluster-ca.crt", cluster.ca_pem);

    asio::io_context io;
    SECTION("another CA: certificate verify failed") {
        auto config = kube::load_kubeconfig({kubeconfig_copy(dir, cluster, "other-ca.crt").string()});
        INFO((config ? std::string() : config.error().describe()));
        REQUIRE(config);
        kube::net::HttpsClient client(config.value(), io.get_executor());
        auto answer = run_coroutine(io, get_default_namespace(client), 30s);
        REQUIRE_FALSE(answer);
        INFO(answer.error().describe());
        CHECK(answer.error().reason == kube::ErrorReason::Transport);
        CHECK(answer.error().describe().find("certificate verify failed") != std::string::npos);
    }
    SECTION("the cluster's CA: the same request succeeds") {
        auto config = kube::load_kubeconfig({kubeconfig_copy(dir, cluster, "cluster-ca.crt").string()});
        REQUIRE(config);
        kube::net::HttpsClient client(config.value(), io.get_executor());
        auto answer = run_coroutine(io, get_default_namespace(client), 30s);
        INFO((answer ? std::string() : answer.error().describe()));
        REQUIRE(answer);
        CHECK((*answer)["metadata"]["name"] == "default");
    }
    fs::remove_all(dir);
}
