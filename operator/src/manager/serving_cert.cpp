#include "manager/serving_cert.hpp"

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <arpa/inet.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace labfleet::manager {

namespace {

struct FreeOpenSsl {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free_all(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, FreeOpenSsl>;

/// The oldest OpenSSL error as text (and the queue cleared), for messages.
std::string openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown OpenSSL error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

void require(bool ok, const char* step) {
    if (!ok) throw std::runtime_error(std::string("self-signed certificate: ") + step + ": " + openssl_error());
}

bool is_ip_address(const std::string& name) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, name.c_str(), buffer) == 1 || inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

void add_extension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
    Owned<X509_EXTENSION> extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
    require(extension != nullptr, "extension");
    require(X509_add_ext(cert, extension.get(), -1) == 1, "X509_add_ext");
}

std::string memory_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::variant<std::string, CertError> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return CertError{"read " + path.string() + ": cannot open"};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return CertError{"read " + path.string() + ": read error"};
    return text.str();
}

Owned<BIO> memory_bio(const std::string& text) {
    return Owned<BIO>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

} // namespace

std::variant<ServingCert, CertError> check_serving_cert(ServingCert cert) {
    auto cert_bio = memory_bio(cert.cert_pem);
    Owned<X509> leaf(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    if (!leaf) return CertError{"certificate: not a PEM certificate (" + openssl_error() + ")"};
    auto key_bio = memory_bio(cert.key_pem);
    Owned<EVP_PKEY> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    if (!key) return CertError{"key: not a PEM private key (" + openssl_error() + ")"};
    if (X509_check_private_key(leaf.get(), key.get()) != 1) {
        ERR_clear_error();
        return CertError{"the private key does not belong to the certificate"};
    }
    return cert;
}

std::variant<ServingCert, CertError> load_serving_cert(const std::filesystem::path& dir) {
    auto cert = read_file(dir / "tls.crt");
    if (auto* error = std::get_if<CertError>(&cert)) return *error;
    auto key = read_file(dir / "tls.key");
    if (auto* error = std::get_if<CertError>(&key)) return *error;
    auto checked = check_serving_cert({std::get<std::string>(std::move(cert)), std::get<std::string>(std::move(key))});
    if (auto* error = std::get_if<CertError>(&checked)) error->message = dir.string() + ": " + error->message;
    return checked;
}

ServingCert self_signed_serving_cert(const std::vector<std::string>& names, std::chrono::hours validity) {
    if (names.empty()) throw std::invalid_argument("self-signed certificate: no names");
    Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
    require(key != nullptr, "EVP_EC_gen");

    Owned<X509> cert(X509_new());
    require(cert != nullptr, "X509_new");
    require(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
    // A random 127-bit serial: positive, and unique enough that clients never
    // see two certificates from this issuer name with one serial.
    Owned<BIGNUM> serial(BN_new());
    require(serial && BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "BN_rand");
    require(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr, "serial");
    // An hour of slack for clocks behind ours.
    require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    require(X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                            static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(validity).count())) !=
                nullptr,
            "notAfter");
    require(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
    X509_NAME* subject = X509_get_subject_name(cert.get());
    require(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>("labfleet"), -1, -1, 0) == 1,
            "O");
    require(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(names.front().c_str()), -1, -1, 0) == 1,
            "CN");
    require(X509_set_issuer_name(cert.get(), subject) == 1, "X509_set_issuer_name");

    std::string alt_names;
    for (const auto& name : names) alt_names += (alt_names.empty() ? "" : ",") + std::string(is_ip_address(name) ? "IP:" : "DNS:") + name;
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), NID_subject_key_identifier, "hash");
    add_extension(cert.get(), NID_subject_alt_name, alt_names);
    require(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    Owned<BIO> cert_out(BIO_new(BIO_s_mem()));
    require(cert_out && PEM_write_bio_X509(cert_out.get(), cert.get()) == 1, "PEM_write_bio_X509");
    Owned<BIO> key_out(BIO_new(BIO_s_mem()));
    require(key_out && PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
            "PEM_write_bio_PrivateKey");
    return {memory_text(cert_out.get()), memory_text(key_out.get())};
}

} // namespace labfleet::manager
