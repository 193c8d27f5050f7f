#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "clusters/cluster_secret.hpp"

using namespace labfleet;
using kube::Json;

namespace {

std::string base64(const std::string& in) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        for (int shift : {18, 12, 6, 0}) out += table[(v >> shift) & 63];
    }
    if (i + 1 == in.size()) {
        const unsigned v = (unsigned char)in[i] << 16;
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
        for (int shift : {18, 12, 6}) out += table[(v >> shift) & 63];
        out += "=";
    }
    return out;
}

std::string kubeconfig(const std::string& user) {
    return "apiVersion: v1\nkind: Config\ncurrent-context: eu\n"
           "clusters: [{name: eu, cluster: {server: 'https://127.0.0.1:6443', certificate-authority-data: " +
           base64("-----BEGIN CERTIFICATE-----\n") + "}}]\n"
           "contexts: [{name: eu, context: {cluster: eu, user: u}}]\n"
           "users: [{name: u, user: " + user + "}]\n";
}

Json secret_with(const std::string& config) {
    return {{"metadata", {{"name", "eu"}, {"namespace", "labfleet-system"}}},
            {"data", {{"kubeconfig", base64(config)}}}};
}

std::string error_of(const Json& secret) {
    auto read = clusters::credentials_from_secret(secret);
    if (auto* error = std::get_if<std::string>(&read)) return *error;
    return "";
}

} // namespace

TEST_CASE("a cluster Secret with a token gives the server, CA and token", "[clusters]") {
    auto read = clusters::credentials_from_secret(secret_with(kubeconfig("{token: abc}")));
    REQUIRE(std::holds_alternative<clusters::ClusterCredentials>(read));
    const auto& credentials = std::get<clusters::ClusterCredentials>(read);
    CHECK(credentials.config.server == "https://127.0.0.1:6443");
    CHECK(credentials.config.token == "abc");
    CHECK_FALSE(credentials.config.ca_pem.empty());
    CHECK(credentials.config.source == "cluster Secret eu");

    SECTION("a rotated token changes the fingerprint, the same one does not") {
        auto again = clusters::credentials_from_secret(secret_with(kubeconfig("{token: abc}")));
        auto rotated = clusters::credentials_from_secret(secret_with(kubeconfig("{token: xyz}")));
        CHECK(std::get<clusters::ClusterCredentials>(again).fingerprint == credentials.fingerprint);
        CHECK(std::get<clusters::ClusterCredentials>(rotated).fingerprint != credentials.fingerprint);
    }
}

TEST_CASE("a cluster Secret that would run or read something in the operator's pod is refused, naming the field",
          "[clusters]") {
    CHECK(error_of(secret_with(kubeconfig("{exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}}"))) ==
          "data.kubeconfig: users[0].user.exec: not supported (use a client certificate or a token)");
    CHECK(error_of(secret_with(kubeconfig("{auth-provider: {name: gcp}}"))) ==
          "data.kubeconfig: users[0].user.auth-provider: not supported (use a client certificate or a token)");
    CHECK(error_of(secret_with(kubeconfig("{tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token}"))) ==
          "data.kubeconfig: users[0].user.tokenFile: file references are not allowed here (use token)");
    CHECK(error_of(secret_with(kubeconfig("{client-certificate: /etc/cert.pem, client-key: /etc/key.pem}"))) ==
          "data.kubeconfig: users[0].user.client-certificate: file references are not allowed here (use "
          "client-certificate-data)");
}

TEST_CASE("a cluster Secret without usable data says what is missing", "[clusters]") {
    CHECK(error_of({{"metadata", {{"name", "eu"}}}}) == "data.kubeconfig: missing");
    CHECK(error_of({{"data", {{"kubeconfig", "%%%"}}}}) == "data.kubeconfig: invalid base64");
    CHECK(error_of({{"data", {{"kubeconfig", 7}}}}) == "data.kubeconfig: must be a base64 string");
    CHECK(error_of(secret_with(kubeconfig("{}"))) ==
          "data.kubeconfig: the user has neither a token nor a client certificate");
    CHECK(error_of(secret_with("[1, 2]")).starts_with("data.kubeconfig: "));
}

TEST_CASE("the selector of the cluster Secrets", "[clusters]") {
    CHECK(clusters::cluster_secret_selector() == "labfleet.dev/secret-type=cluster");
}
