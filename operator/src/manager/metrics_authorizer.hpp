#pragma once
// MetricsAuthorizer: who may read /metrics, decided as controller-runtime's
// metrics filter (WithAuthenticationAndAuthorization) decides it. The caller's
// bearer token is checked with a TokenReview (authentication.k8s.io/v1), then
// the user it names with a SubjectAccessReview (authorization.k8s.io/v1) for
// the non-resource URL: no token or a rejected one → 401, a user the API
// server does not allow → 403, allowed → the request goes on. A review that
// fails (timeout, 5xx, no permission to create reviews) → 500, and is never
// cached; answers are cached for a short time.
//
// The decision is made here from what an abstract AccessReviewer answers, so
// it is tested without a network; ApiAccessReviewer asks the API server.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "kube/util/clock.hpp"
#include "kube/client/result.hpp"
#include "manager/ttl_cache.hpp"

namespace labfleet::manager {

/// The user a TokenReview names (authentication.k8s.io/v1 UserInfo).
struct UserInfo {
    std::string username;
    std::string uid;
    std::vector<std::string> groups;
    std::map<std::string, std::vector<std::string>> extra;
    bool operator==(const UserInfo&) const = default;
};

/// The status of a TokenReview that the API server answered.
struct TokenReviewAnswer {
    bool authenticated = false;
    UserInfo user;       // meaningful when authenticated
    std::string error;   // why not, when the server says
    bool operator==(const TokenReviewAnswer&) const = default;
};

/// The status of a SubjectAccessReview that the API server answered.
struct AccessReviewAnswer {
    bool allowed = false;
    std::string reason;
    bool operator==(const AccessReviewAnswer&) const = default;
};

/// A non-resource request to authorize: `verb` is the lower-case HTTP method.
struct NonResourceAccess {
    std::string path;
    std::string verb;
    bool operator==(const NonResourceAccess&) const = default;
};

/// The API calls the decision needs. A returned ApiError means the review
/// could not be made (no answer, 5xx, the operator may not create reviews).
class AccessReviewer {
public:
    virtual ~AccessReviewer() = default;
    virtual boost::asio::awaitable<kube::Result<TokenReviewAnswer>> review_token(std::string token) = 0;
    virtual boost::asio::awaitable<kube::Result<AccessReviewAnswer>> review_access(UserInfo user,
                                                                                    NonResourceAccess access) = 0;
};

enum class Verdict {
    Allowed,          // 200: serve the request
    Unauthenticated,  // 401: no bearer token, or the API server rejected it
    Forbidden,        // 403: authenticated, but not allowed this verb on this path
    Failed,           // 500: a review could not be made; try again
};

struct AccessDecision {
    Verdict verdict = Verdict::Failed;
    std::string user;     // empty until authenticated
    std::string message;  // for the response body: never a token or a server's internal detail
    std::string detail;   // for the log: the server's reason or the failed step
    int http_status() const;
};

struct MetricsAuthorizerOptions {
    /// How long an answer is remembered. Authentication as controller-runtime
    /// (1 min); authorization shorter than its 5 min, so a revoked binding
    /// takes effect within a minute; refusals briefly, so a grant is seen soon.
    std::chrono::seconds authenticated_ttl{60};
    std::chrono::seconds unauthenticated_ttl{10};
    std::chrono::seconds allowed_ttl{60};
    std::chrono::seconds denied_ttl{10};
    /// Entries per cache (tokens; users and paths): distinct scrapers are few.
    std::size_t max_entries = 256;
};

/// The bearer token of an Authorization header ("Bearer" in any case, one
/// space, a non-empty token); nullopt for anything else.
std::optional<std::string> bearer_token(std::string_view authorization);

/// The verdict from the two answers, as controller-runtime's filter gives it.
/// `access` is consulted only when the token was authenticated.
Verdict decide(const TokenReviewAnswer& token, const std::optional<AccessReviewAnswer>& access);

class MetricsAuthorizer {
public:
    /// `reviewer` and `clock` must outlive this object and every authorize() call.
    MetricsAuthorizer(AccessReviewer& reviewer, const kube::Clock& clock, MetricsAuthorizerOptions options = {});

    /// Decides for one request: its Authorization header (may be empty), its
    /// HTTP method and path (without query).
    boost::asio::awaitable<AccessDecision> authorize(std::string authorization, std::string method, std::string path);

    /// Reviews actually sent to the API server (the cache's misses).
    std::size_t token_reviews_sent() const { return token_reviews_sent_; }
    std::size_t access_reviews_sent() const { return access_reviews_sent_; }

private:
    boost::asio::awaitable<kube::Result<TokenReviewAnswer>> authenticate(std::string token);
    boost::asio::awaitable<kube::Result<AccessReviewAnswer>> authorize_user(UserInfo user, NonResourceAccess access);

    AccessReviewer& reviewer_;
    MetricsAuthorizerOptions options_;
    TtlCache<TokenReviewAnswer> tokens_;     // keyed by the token's SHA-256, never the token
    TtlCache<AccessReviewAnswer> accesses_;  // keyed by user, groups, extra, path and verb
    std::size_t token_reviews_sent_ = 0;
    std::size_t access_reviews_sent_ = 0;
};

/// Hex SHA-256 of `text`: the token cache's key, so tokens are not kept in memory.
std::string sha256_hex(std::string_view text);

} // namespace labfleet::manager
