#include "manager/metrics_authorizer.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <openssl/evp.h>

namespace labfleet::manager {

namespace {

/// Appends `part` with its length first, so no two different key tuples
/// encode to the same string.
void append_part(std::string& key, std::string_view part) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
}

/// The access cache's key: every field the SubjectAccessReview is made from.
std::string access_key(const UserInfo& user, const NonResourceAccess& access) {
    std::string key;
    append_part(key, user.username);
    append_part(key, user.uid);
    key += "g" + std::to_string(user.groups.size());
    for (const auto& group : user.groups) append_part(key, group);
    key += "e" + std::to_string(user.extra.size());
    for (const auto& [name, values] : user.extra) {
        append_part(key, name);
        key += std::to_string(values.size());
        for (const auto& value : values) append_part(key, value);
    }
    append_part(key, access.path);
    append_part(key, access.verb);
    return key;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

} // namespace

int AccessDecision::http_status() const {
    switch (verdict) {
    case Verdict::Allowed: return 200;
    case Verdict::Unauthenticated: return 401;
    case Verdict::Forbidden: return 403;
    case Verdict::Failed: return 500;
    }
    return 500;
}

std::optional<std::string> bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() <= scheme.size()) return std::nullopt;
    if (lower(authorization.substr(0, scheme.size())) != scheme) return std::nullopt;
    std::string_view token = authorization.substr(scheme.size());
    // A token is one visible word: no spaces, no control characters.
    const bool visible = std::all_of(token.begin(), token.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
    if (token.empty() || !visible) return std::nullopt;
    return std::string(token);
}

Verdict decide(const TokenReviewAnswer& token, const std::optional<AccessReviewAnswer>& access) {
    if (!token.authenticated) return Verdict::Unauthenticated;
    if (!access) return Verdict::Failed;
    return access->allowed ? Verdict::Allowed : Verdict::Forbidden;
}

std::string sha256_hex(std::string_view text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    // SHA-256 of a memory buffer cannot fail short of memory exhaustion.
    EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

MetricsAuthorizer::MetricsAuthorizer(AccessReviewer& reviewer, const kube::Clock& clock,
                                     MetricsAuthorizerOptions options)
    : reviewer_(reviewer),
      options_(options),
      tokens_(clock, options.max_entries),
      accesses_(clock, options.max_entries) {}

boost::asio::awaitable<kube::Result<TokenReviewAnswer>> MetricsAuthorizer::authenticate(std::string token) {
    const std::string key = sha256_hex(token);
    if (auto cached = tokens_.get(key)) co_return *cached;
    ++token_reviews_sent_;
    auto answer = co_await reviewer_.review_token(std::move(token));
    // Errors are not answers: the next scrape asks again.
    if (answer) tokens_.put(key, *answer, answer->authenticated ? options_.authenticated_ttl : options_.unauthenticated_ttl);
    co_return answer;
}

boost::asio::awaitable<kube::Result<AccessReviewAnswer>> MetricsAuthorizer::authorize_user(UserInfo user,
                                                                                           NonResourceAccess access) {
    const std::string key = access_key(user, access);
    if (auto cached = accesses_.get(key)) co_return *cached;
    ++access_reviews_sent_;
    auto answer = co_await reviewer_.review_access(std::move(user), std::move(access));
    if (answer) accesses_.put(key, *answer, answer->allowed ? options_.allowed_ttl : options_.denied_ttl);
    co_return answer;
}

namespace {

// The decisions are built by plain functions and each coroutine step keeps
// its values in named locals: GCC 12 mishandles temporaries in coroutines.

AccessDecision unauthenticated(std::string detail) {
    return {Verdict::Unauthenticated, "", "Unauthorized", std::move(detail)};
}

AccessDecision unauthenticated(const TokenReviewAnswer& answer) {
    return unauthenticated(answer.error.empty() ? std::string("token not authenticated") : answer.error);
}

AccessDecision authentication_failed(const kube::ApiError& error) {
    return {Verdict::Failed, "", "Authentication failed", "token review: " + error.describe()};
}

AccessDecision authorization_failed(const std::string& user, const kube::ApiError& error) {
    return {Verdict::Failed, user, "Authorization for user " + user + " failed",
            "subject access review: " + error.describe()};
}

AccessDecision decided(const TokenReviewAnswer& token, const AccessReviewAnswer& access) {
    const Verdict verdict = decide(token, access);
    const std::string& user = token.user.username;
    if (verdict == Verdict::Forbidden) return {verdict, user, "Authorization denied for user " + user, access.reason};
    return {verdict, user, "", access.reason};
}

} // namespace

boost::asio::awaitable<AccessDecision> MetricsAuthorizer::authorize(std::string authorization, std::string method,
                                                                    std::string path) {
    std::optional<std::string> token = bearer_token(authorization);
    if (!token) {
        AccessDecision refused = unauthenticated("no bearer token");
        co_return refused;
    }
    const kube::Result<TokenReviewAnswer> authenticated = co_await authenticate(std::move(*token));
    if (!authenticated) {
        AccessDecision failed = authentication_failed(authenticated.error());
        co_return failed;
    }
    if (!authenticated->authenticated) {
        AccessDecision refused = unauthenticated(*authenticated);
        co_return refused;
    }
    NonResourceAccess wanted{path, lower(method)};
    UserInfo user = authenticated->user;
    const kube::Result<AccessReviewAnswer> access = co_await authorize_user(std::move(user), std::move(wanted));
    if (!access) {
        AccessDecision failed = authorization_failed(authenticated->user.username, access.error());
        co_return failed;
    }
    AccessDecision decision = decided(*authenticated, *access);
    co_return decision;
}

} // namespace labfleet::manager
