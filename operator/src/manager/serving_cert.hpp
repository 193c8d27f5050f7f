#pragma once
// ServingCert: the certificate and key the metrics endpoint serves HTTPS with.
// Either read from a directory holding tls.crt and tls.key (a mounted
// kubernetes.io/tls Secret, as controller-runtime's --metrics-cert-path), or,
// when none is given, a self-signed one made in memory at start (OpenSSL 3),
// which scrapers accept with insecureSkipVerify as with controller-runtime's.

#include <chrono>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace labfleet::manager {

struct ServingCert {
    std::string cert_pem;  // the leaf first, then any intermediates
    std::string key_pem;
    bool operator==(const ServingCert&) const = default;
};

/// Why a certificate could not be used; names the file or the check.
struct CertError {
    std::string message;
};

/// Reads DIR/tls.crt and DIR/tls.key and checks that they parse and belong
/// together. An error is expected while a mounted Secret is being rotated.
std::variant<ServingCert, CertError> load_serving_cert(const std::filesystem::path& dir);

/// Checks that `cert` parses as PEM and that its key matches its first certificate.
std::variant<ServingCert, CertError> check_serving_cert(ServingCert cert);

/// A self-signed certificate (ECDSA P-256, SHA-256, serverAuth) for `names`:
/// DNS names, or IP addresses written as such, all in subjectAltName; the first
/// is also the common name. Valid from an hour ago for `validity`. Throws
/// std::runtime_error when OpenSSL fails (it has no expected failure here).
ServingCert self_signed_serving_cert(const std::vector<std::string>& names,
                                     std::chrono::hours validity = std::chrono::hours{24 * 365});

} // namespace labfleet::manager
