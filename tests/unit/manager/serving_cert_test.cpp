#include "manager/serving_cert.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

using namespace labfleet::manager;

namespace {

/// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("labfleet-cert-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() { std::filesystem::remove_all(path); }
    void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

/// The subjectAltName entries of a PEM certificate, as "DNS:x" / "IP:y".
std::vector<std::string> alt_names(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    REQUIRE(cert);
    std::vector<std::string> out;
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
    REQUIRE(names);
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                                               static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName))));
        } else if (name->type == GEN_IPADD) {
            out.push_back("IP:" + std::to_string(ASN1_STRING_length(name->d.iPAddress)) + "-bytes");
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

} // namespace

TEST_CASE("a self-signed serving certificate names the host and loopback", "[manager][tls]") {
    const auto cert = self_signed_serving_cert({"labfleet-7d9f-abcde", "localhost", "127.0.0.1", "::1"});
    CHECK(cert.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    CHECK(cert.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    CHECK(std::holds_alternative<ServingCert>(check_serving_cert(cert)));
    CHECK(alt_names(cert.cert_pem) ==
          std::vector<std::string>{"DNS:labfleet-7d9f-abcde", "DNS:localhost", "IP:4-bytes", "IP:16-bytes"});
    // Each start makes a new key.
    CHECK(self_signed_serving_cert({"localhost"}).key_pem != cert.key_pem);
}

TEST_CASE("a serving certificate is read from tls.crt and tls.key", "[manager][tls]") {
    const auto cert = self_signed_serving_cert({"localhost"});
    TempDir dir;
    dir.write("tls.crt", cert.cert_pem);
    dir.write("tls.key", cert.key_pem);
    auto loaded = load_serving_cert(dir.path);
    REQUIRE(std::holds_alternative<ServingCert>(loaded));
    CHECK(std::get<ServingCert>(loaded) == cert);
}

TEST_CASE("an unusable certificate directory is an error naming what is wrong", "[manager][tls]") {
    const auto cert = self_signed_serving_cert({"localhost"});
    const auto other = self_signed_serving_cert({"localhost"});
    TempDir dir;
    auto error_of = [&] {
        auto loaded = load_serving_cert(dir.path);
        REQUIRE(std::holds_alternative<CertError>(loaded));
        return std::get<CertError>(loaded).message;
    };
    CHECK_THAT(error_of(), Catch::Contains("tls.crt") && Catch::Contains("cannot open"));
    dir.write("tls.crt", cert.cert_pem);
    CHECK_THAT(error_of(), Catch::Contains("tls.key"));
    dir.write("tls.key", other.key_pem);
    CHECK_THAT(error_of(), Catch::Contains("does not belong"));
    dir.write("tls.key", "garbage");
    CHECK_THAT(error_of(), Catch::Contains("not a PEM private key"));
    dir.write("tls.crt", "garbage");
    CHECK_THAT(error_of(), Catch::Contains("not a PEM certificate"));
}
