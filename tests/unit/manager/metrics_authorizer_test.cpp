#include "manager/metrics_authorizer.hpp"

#include <catch2/catch.hpp>

#include <deque>

#include <boost/asio/io_context.hpp>

#include "support/run_coroutine.hpp"

namespace {

using namespace std::chrono_literals;
using namespace labfleet::manager;
using labfleet::kube::ApiError;
using labfleet::kube::FakeClock;
using labfleet::kube::Result;
using labfleet::testing::run_coroutine;
namespace asio = boost::asio;

/// Answers reviews from a script, in order, and records what it was asked;
/// a call past the script's end fails (and shows as a 500 in the test).
class ScriptedReviewer final : public AccessReviewer {
public:
    static ApiError exhausted() {
        ApiError error;
        error.message = "script exhausted";
        return error;
    }

    std::deque<Result<TokenReviewAnswer>> token_answers;
    std::deque<Result<AccessReviewAnswer>> access_answers;
    std::vector<std::string> tokens_asked;
    std::vector<std::pair<UserInfo, NonResourceAccess>> accesses_asked;

    asio::awaitable<Result<TokenReviewAnswer>> review_token(std::string token) override {
        tokens_asked.push_back(token);
        if (token_answers.empty()) co_return exhausted();
        auto answer = std::move(token_answers.front());
        token_answers.pop_front();
        co_return answer;
    }
    asio::awaitable<Result<AccessReviewAnswer>> review_access(UserInfo user, NonResourceAccess access) override {
        accesses_asked.emplace_back(user, access);
        if (access_answers.empty()) co_return exhausted();
        auto answer = std::move(access_answers.front());
        access_answers.pop_front();
        co_return answer;
    }
};

UserInfo prometheus_user() {
    return {"system:serviceaccount:monitoring:prometheus", "0b7c-uid",
            {"system:serviceaccounts", "system:serviceaccounts:monitoring", "system:authenticated"},
            {{"authentication.kubernetes.io/pod-name", {"prometheus-0"}}}};
}

TokenReviewAnswer authenticated(UserInfo user = prometheus_user()) { return {true, std::move(user), ""}; }
TokenReviewAnswer rejected() { return {false, {}, "token has expired"}; }

ApiError server_error() {
    ApiError error;
    error.reason = labfleet::kube::ErrorReason::ServerError;
    error.http_status = 503;
    error.message = "the server is currently unable to handle the request";
    return error;
}

struct Fixture {
    asio::io_context io;
    FakeClock clock;
    ScriptedReviewer reviewer;
    MetricsAuthorizer authorizer{reviewer, clock};

    AccessDecision scrape(const std::string& authorization, const std::string& method = "GET") {
        return run_coroutine(io, authorizer.authorize(authorization, method, "/metrics"));
    }
};

} // namespace

TEST_CASE("bearer tokens are read as Kubernetes reads them", "[manager][metrics-auth]") {
    CHECK(bearer_token("Bearer abc.def-ghi") == "abc.def-ghi");
    CHECK(bearer_token("bearer abc") == "abc");
    CHECK(bearer_token("BEARER abc") == "abc");
    CHECK_FALSE(bearer_token(""));
    CHECK_FALSE(bearer_token("Bearer"));
    CHECK_FALSE(bearer_token("Bearer "));
    CHECK_FALSE(bearer_token("Bearer  abc"));
    CHECK_FALSE(bearer_token("Bearer abc def"));
    CHECK_FALSE(bearer_token("Basic dXNlcjpwYXNz"));
    CHECK_FALSE(bearer_token("Bearerabc"));
}

TEST_CASE("the verdict: 401 unless authenticated, then the access review decides", "[manager][metrics-auth]") {
    const AccessReviewAnswer allowed{true, ""};
    const AccessReviewAnswer denied{false, "no RBAC policy matched"};
    CHECK(decide(rejected(), std::nullopt) == Verdict::Unauthenticated);
    CHECK(decide(rejected(), allowed) == Verdict::Unauthenticated);
    CHECK(decide(authenticated(), std::nullopt) == Verdict::Failed);
    CHECK(decide(authenticated(), denied) == Verdict::Forbidden);
    CHECK(decide(authenticated(), allowed) == Verdict::Allowed);
    CHECK(AccessDecision{Verdict::Allowed}.http_status() == 200);
    CHECK(AccessDecision{Verdict::Unauthenticated}.http_status() == 401);
    CHECK(AccessDecision{Verdict::Forbidden}.http_status() == 403);
    CHECK(AccessDecision{Verdict::Failed}.http_status() == 500);
}

TEST_CASE("a scrape without a bearer token is 401 and asks the API server nothing", "[manager][metrics-auth]") {
    Fixture f;
    for (const std::string header : {"", "Basic dXNlcjpwYXNz", "Bearer "}) {
        const auto decision = f.scrape(header);
        CHECK(decision.http_status() == 401);
        CHECK(decision.message == "Unauthorized");
    }
    CHECK(f.reviewer.tokens_asked.empty());
    CHECK(f.reviewer.accesses_asked.empty());
}

TEST_CASE("a rejected token is 401, no access review is made", "[manager][metrics-auth]") {
    Fixture f;
    f.reviewer.token_answers.push_back(rejected());
    const auto decision = f.scrape("Bearer stale");
    CHECK(decision.http_status() == 401);
    CHECK(decision.detail == "token has expired");
    CHECK(f.reviewer.tokens_asked == std::vector<std::string>{"stale"});
    CHECK(f.reviewer.accesses_asked.empty());
}

TEST_CASE("an authenticated user without access is 403, naming the user", "[manager][metrics-auth]") {
    Fixture f;
    f.reviewer.token_answers.push_back(authenticated());
    f.reviewer.access_answers.push_back(AccessReviewAnswer{false, "no RBAC policy matched"});
    const auto decision = f.scrape("Bearer t1");
    CHECK(decision.http_status() == 403);
    CHECK(decision.user == "system:serviceaccount:monitoring:prometheus");
    CHECK(decision.message == "Authorization denied for user system:serviceaccount:monitoring:prometheus");
    CHECK(decision.detail == "no RBAC policy matched");
    // The review names the whole user and the non-resource URL, verb in lower case.
    REQUIRE(f.reviewer.accesses_asked.size() == 1);
    CHECK(f.reviewer.accesses_asked[0].first == prometheus_user());
    CHECK(f.reviewer.accesses_asked[0].second == NonResourceAccess{"/metrics", "get"});
}

TEST_CASE("an allowed user is 200, and the answers are reused for a while", "[manager][metrics-auth]") {
    Fixture f;
    f.reviewer.token_answers.push_back(authenticated());
    f.reviewer.access_answers.push_back(AccessReviewAnswer{true, "allowed by ClusterRoleBinding"});
    CHECK(f.scrape("Bearer t1").http_status() == 200);
    // A scrape every 5 s for the next 55 s costs no API call.
    for (int i = 0; i < 11; ++i) {
        f.clock.advance(5s);
        CHECK(f.scrape("Bearer t1").http_status() == 200);
    }
    CHECK(f.authorizer.token_reviews_sent() == 1);
    CHECK(f.authorizer.access_reviews_sent() == 1);
    // After a minute both are asked again.
    f.clock.advance(5s);
    f.reviewer.token_answers.push_back(authenticated());
    f.reviewer.access_answers.push_back(AccessReviewAnswer{true, ""});
    CHECK(f.scrape("Bearer t1").http_status() == 200);
    CHECK(f.authorizer.token_reviews_sent() == 2);
    CHECK(f.authorizer.access_reviews_sent() == 2);
}

TEST_CASE("refusals are remembered briefly, so a new grant is seen soon", "[manager][metrics-auth]") {
    Fixture f;
    f.reviewer.token_answers.push_back(authenticated());
    f.reviewer.access_answers.push_back(AccessReviewAnswer{false, ""});
    CHECK(f.scrape("Bearer t1").http_status() == 403);
    f.clock.advance(5s);
    CHECK(f.scrape("Bearer t1").http_status() == 403);
    CHECK(f.authorizer.access_reviews_sent() == 1);
    f.clock.advance(5s);  // 10 s: the denial is forgotten, the authentication is not
    f.reviewer.access_answers.push_back(AccessReviewAnswer{true, ""});
    CHECK(f.scrape("Bearer t1").http_status() == 200);
    CHECK(f.authorizer.access_reviews_sent() == 2);
    CHECK(f.authorizer.token_reviews_sent() == 1);

    f.reviewer.token_answers.push_back(rejected());
    CHECK(f.scrape("Bearer t2").http_status() == 401);
    f.clock.advance(5s);
    CHECK(f.scrape("Bearer t2").http_status() == 401);
    CHECK(f.authorizer.token_reviews_sent() == 2);
    f.clock.advance(5s);
    f.reviewer.token_answers.push_back(rejected());
    CHECK(f.scrape("Bearer t2").http_status() == 401);
    CHECK(f.authorizer.token_reviews_sent() == 3);
}

TEST_CASE("a review that fails is 500 and never cached", "[manager][metrics-auth]") {
    Fixture f;
    f.reviewer.token_answers.push_back(server_error());
    auto decision = f.scrape("Bearer t1");
    CHECK(decision.http_status() == 500);
    CHECK(decision.message == "Authentication failed");
    CHECK(decision.detail.find("token review") == 0);
    // The next scrape asks again at once; this time the access review fails.
    f.reviewer.token_answers.push_back(authenticated());
    f.reviewer.access_answers.push_back(server_error());
    decision = f.scrape("Bearer t1");
    CHECK(decision.http_status() == 500);
    CHECK(decision.message == "Authorization for user system:serviceaccount:monitoring:prometheus failed");
    CHECK(decision.detail.find("subject access review") == 0);
    // The authentication was an answer and is kept; the failed access review is asked again.
    f.reviewer.access_answers.push_back(AccessReviewAnswer{true, ""});
    CHECK(f.scrape("Bearer t1").http_status() == 200);
    CHECK(f.authorizer.token_reviews_sent() == 2);
    CHECK(f.authorizer.access_reviews_sent() == 2);
}

TEST_CASE("tokens are cached apart, by digest, and the cache is bounded", "[manager][metrics-auth]") {
    asio::io_context io;
    FakeClock clock;
    ScriptedReviewer reviewer;
    MetricsAuthorizerOptions options;
    options.max_entries = 2;
    MetricsAuthorizer authorizer(reviewer, clock, options);
    auto scrape = [&](const std::string& token) {
        return run_coroutine(io, authorizer.authorize("Bearer " + token, "GET", "/metrics")).http_status();
    };
    reviewer.token_answers.push_back(authenticated());
    reviewer.access_answers.push_back(AccessReviewAnswer{true, ""});
    CHECK(scrape("good") == 200);
    reviewer.token_answers.push_back(rejected());
    CHECK(scrape("bad") == 401);  // another token is reviewed on its own
    CHECK(scrape("good") == 200);
    CHECK(authorizer.token_reviews_sent() == 2);
    // Two more tokens push the least recently used ("bad") out of a cache of two.
    reviewer.token_answers.push_back(rejected());
    reviewer.token_answers.push_back(rejected());
    CHECK(scrape("other-1") == 401);
    CHECK(scrape("other-2") == 401);
    reviewer.token_answers.push_back(rejected());
    CHECK(scrape("bad") == 401);
    CHECK(authorizer.token_reviews_sent() == 5);
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("the access review carries the HTTP method as the verb", "[manager][metrics-auth]") {
    Fixture f;
    f.reviewer.token_answers.push_back(authenticated());
    f.reviewer.access_answers.push_back(AccessReviewAnswer{true, ""});
    f.reviewer.access_answers.push_back(AccessReviewAnswer{false, ""});
    CHECK(f.scrape("Bearer t1", "GET").http_status() == 200);
    CHECK(f.scrape("Bearer t1", "HEAD").http_status() == 403);  // a different verb is its own question
    REQUIRE(f.reviewer.accesses_asked.size() == 2);
    CHECK(f.reviewer.accesses_asked[1].second.verb == "head");
}
