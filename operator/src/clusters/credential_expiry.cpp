#include "clusters/credential_expiry.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "kube/config/config_loader.hpp"
#include "kube/json/json.hpp"

namespace labfleet::clusters {

namespace {

/// The time `seconds` after the epoch; nullopt for none before it, the latest
/// time the clock holds for any after that (a certificate "valid until 9999").
std::optional<kube::WallTime> at_epoch_seconds(std::int64_t seconds) {
    if (seconds <= 0) return std::nullopt;
    const auto latest = std::chrono::duration_cast<std::chrono::seconds>(kube::WallTime::duration::max()).count();
    return kube::WallTime{std::chrono::seconds{std::min<std::int64_t>(seconds, latest)}};
}

/// A JWT's payload is its second dot-separated part, base64url without padding.
std::optional<kube::WallTime> token_expiry(const std::string& token) {
    const auto first = token.find('.');
    if (first == std::string::npos) return std::nullopt;
    const auto second = token.find('.', first + 1);
    if (second == std::string::npos || second - first - 1 > 8192) return std::nullopt;
    std::string payload = token.substr(first + 1, second - first - 1);
    for (char& c : payload) {
        if (c == '-') c = '+';
        else if (c == '_') c = '/';
    }
    payload.append((4 - payload.size() % 4) % 4, '=');
    const auto decoded = kube::decode_base64(payload);
    if (!decoded) return std::nullopt;
    const kube::Json claims = kube::Json::parse(*decoded, nullptr, false);
    if (!claims.is_object()) return std::nullopt;
    const auto exp = claims.find("exp");
    if (exp == claims.end() || !exp->is_number_integer()) return std::nullopt;
    if (exp->is_number_unsigned() && exp->get<std::uint64_t>() > std::uint64_t{INT64_MAX}) return at_epoch_seconds(INT64_MAX);
    return at_epoch_seconds(exp->get<std::int64_t>());
}

std::optional<kube::WallTime> certificate_expiry(const std::string& pem) {
    if (pem.empty()) return std::nullopt;
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                        BIO_free);
    if (!bio) return std::nullopt;
    const std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                           X509_free);
    if (!cert) return std::nullopt;
    std::tm when{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &when) != 1) return std::nullopt;
    return at_epoch_seconds(static_cast<std::int64_t>(timegm(&when)));
}

} // namespace

std::optional<kube::WallTime> credential_expiry(const kube::ClusterConfig& config) {
    const auto token = token_expiry(config.token);
    const auto cert = certificate_expiry(config.client_cert_pem);
    if (token && cert) return std::min(*token, *cert);
    return token ? token : cert;
}

} // namespace labfleet::clusters
