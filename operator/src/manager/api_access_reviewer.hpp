#pragma once
// ApiAccessReviewer: the AccessReviewer that asks the API server, creating a
// TokenReview (authentication.k8s.io/v1) and a SubjectAccessReview
// (authorization.k8s.io/v1). The request bodies and the reading of the
// answers are pure functions, tested without a network.

#include <string>

#include "kube/client/client.hpp"
#include "kube/json/json.hpp"
#include "manager/metrics_authorizer.hpp"

namespace labfleet::manager {

/// POST of a TokenReview for `token` (no audiences: the API server's own).
kube::HttpRequest token_review_request(const std::string& token);
/// POST of a SubjectAccessReview: may `user` do `access` on a non-resource URL?
kube::HttpRequest access_review_request(const UserInfo& user, const NonResourceAccess& access);

/// The status of a TokenReview response; ErrorReason::Decode when it is not one.
kube::Result<TokenReviewAnswer> read_token_review(const std::string& body);
/// The status of a SubjectAccessReview response; ErrorReason::Decode when it is
/// not one. `denied` or an `evaluationError` without `allowed` count as not allowed.
kube::Result<AccessReviewAnswer> read_access_review(const std::string& body);

class ApiAccessReviewer final : public AccessReviewer {
public:
    /// `client` must outlive this object; it bounds every request with its own timeouts.
    explicit ApiAccessReviewer(kube::Client& client) : client_(client) {}

    boost::asio::awaitable<kube::Result<TokenReviewAnswer>> review_token(std::string token) override;
    boost::asio::awaitable<kube::Result<AccessReviewAnswer>> review_access(UserInfo user,
                                                                            NonResourceAccess access) override;

private:
    kube::Client& client_;
};

} // namespace labfleet::manager
