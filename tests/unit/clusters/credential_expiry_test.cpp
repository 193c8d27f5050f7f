#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "clusters/credential_expiry.hpp"
#include "manager/serving_cert.hpp"

using namespace labfleet;
using std::chrono::seconds;

namespace {

/// base64url without padding, as a JWT's parts are written.
std::string base64url(const std::string& bytes) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned value = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        value = (value << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += alphabet[(value >> bits) & 63];
        }
    }
    if (bits > 0) out += alphabet[(value << (6 - bits)) & 63];
    return out;
}

std::string jwt(const std::string& claims) {
    return base64url(R"({"alg":"RS256","kid":"k"})") + "." + base64url(claims) + ".c2lnbmF0dXJl";
}

kube::WallTime at(std::int64_t epoch_seconds) { return kube::WallTime{seconds{epoch_seconds}}; }

} // namespace

TEST_CASE("credential expiry: a service account token states its exp claim", "[clusters]") {
    kube::ClusterConfig config;
    config.token = jwt(R"({"aud":["https://kubernetes.default.svc"],"exp":1800000000,"sub":"system:serviceaccount:a:b"})");
    CHECK(clusters::credential_expiry(config) == at(1'800'000'000));
    // Lengths that need every padding.
    for (const std::string sub : {"x", "xy", "xyz"}) {
        config.token = jwt(R"({"exp":1800000001,"sub":")" + sub + R"("})");
        CHECK(clusters::credential_expiry(config) == at(1'800'000'001));
    }
}

TEST_CASE("credential expiry: an exp beyond what the clock holds is its latest time, not an overflow", "[clusters]") {
    kube::ClusterConfig config;
    const auto latest = std::chrono::duration_cast<seconds>(kube::WallTime::duration::max()).count();
    for (const std::string exp : {"253402300799", "9223372036854775807", "18446744073709551615"}) {
        config.token = jwt(R"({"exp":)" + exp + "}");
        const auto expiry = clusters::credential_expiry(config);
        REQUIRE(expiry);
        CHECK(std::chrono::duration_cast<seconds>(expiry->time_since_epoch()).count() == latest);
    }
}

TEST_CASE("credential expiry: an opaque or malformed token states none", "[clusters]") {
    kube::ClusterConfig config;
    const std::vector<std::string> tokens = {"",       "opaque-token",         "a.b",
                                             "a.!!!.c", jwt("not json"),          jwt(R"({"sub":"x"})"),
                                             jwt(R"({"exp":"soon"})"), jwt(R"({"exp":-5})"), jwt("[1,2]")};
    for (const std::string& token : tokens) {
        config.token = token;
        CHECK_FALSE(clusters::credential_expiry(config));
    }
}

TEST_CASE("credential expiry: a client certificate states its notAfter, the earlier of the two wins", "[clusters]") {
    const auto before = std::chrono::system_clock::now();
    kube::ClusterConfig config;
    config.client_cert_pem = manager::self_signed_serving_cert({"client"}, std::chrono::hours{48}).cert_pem;
    const auto expiry = clusters::credential_expiry(config);
    REQUIRE(expiry);
    // Valid until 48 hours from its making.
    const auto expected = before + std::chrono::hours{48};
    CHECK(std::chrono::abs(*expiry - expected) < seconds{5});

    config.token = jwt(R"({"exp":1000000000})");  // long past: earlier than the certificate
    CHECK(clusters::credential_expiry(config) == at(1'000'000'000));
    config.client_cert_pem = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n";
    CHECK(clusters::credential_expiry(config) == at(1'000'000'000));  // the token alone
}
