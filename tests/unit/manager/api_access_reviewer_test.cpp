#include "manager/api_access_reviewer.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "support/run_coroutine.hpp"
#include "unit/kube/fake_client.hpp"

namespace {

using namespace labfleet::manager;
using labfleet::kube::ErrorReason;
using labfleet::kube::Json;
using labfleet::kube::Method;
using labfleet::kube::testing::FakeClient;
using labfleet::testing::run_coroutine;

UserInfo user() {
    return {"system:serviceaccount:monitoring:prometheus", "uid-1", {"system:serviceaccounts", "system:authenticated"},
            {{"authentication.kubernetes.io/pod-name", {"prometheus-0"}}}};
}

} // namespace

TEST_CASE("a TokenReview request carries the token and nothing else", "[manager][metrics-auth]") {
    const auto request = token_review_request("abc");
    CHECK(request.method == Method::Post);
    CHECK(request.target == "/apis/authentication.k8s.io/v1/tokenreviews");
    CHECK(request.content_type == "application/json");
    CHECK(Json::parse(request.body) == Json::parse(R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",
                                                       "spec":{"token":"abc"}})"));
}

TEST_CASE("a SubjectAccessReview request names the user and the non-resource URL", "[manager][metrics-auth]") {
    const auto request = access_review_request(user(), {"/metrics", "get"});
    CHECK(request.method == Method::Post);
    CHECK(request.target == "/apis/authorization.k8s.io/v1/subjectaccessreviews");
    CHECK(Json::parse(request.body) == Json::parse(R"({
        "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": "system:serviceaccount:monitoring:prometheus", "uid": "uid-1",
                 "groups": ["system:serviceaccounts", "system:authenticated"],
                 "extra": {"authentication.kubernetes.io/pod-name": ["prometheus-0"]},
                 "nonResourceAttributes": {"path": "/metrics", "verb": "get"}}})"));
    // Empty fields are left out, as client-go leaves them out.
    const auto bare = Json::parse(access_review_request({"alice", "", {}, {}}, {"/metrics", "get"}).body);
    CHECK(bare["spec"] == Json::parse(R"({"user":"alice","nonResourceAttributes":{"path":"/metrics","verb":"get"}})"));
}

TEST_CASE("TokenReview answers are read from their status", "[manager][metrics-auth]") {
    auto yes = read_token_review(R"({"kind":"TokenReview","status":{"authenticated":true,"user":{
        "username":"system:serviceaccount:monitoring:prometheus","uid":"uid-1",
        "groups":["system:serviceaccounts","system:authenticated"],
        "extra":{"authentication.kubernetes.io/pod-name":["prometheus-0"]}},"audiences":["https://kubernetes.default.svc"]}})");
    REQUIRE(yes.ok());
    CHECK(yes->authenticated);
    CHECK(yes->user == user());

    auto no = read_token_review(R"({"status":{"error":"[invalid bearer token, token has expired]"}})");
    REQUIRE(no.ok());
    CHECK_FALSE(no->authenticated);
    CHECK(no->error == "[invalid bearer token, token has expired]");

    CHECK(read_token_review("not json").error().reason == ErrorReason::Decode);
    CHECK(read_token_review(R"({"spec":{}})").error().reason == ErrorReason::Decode);
    CHECK(read_token_review(R"({"status":{"authenticated":"yes"}})").error().reason == ErrorReason::Decode);
    CHECK(read_token_review(R"({"status":{"authenticated":true}})").error().reason == ErrorReason::Decode);
}

TEST_CASE("SubjectAccessReview answers: allowed only when allowed and not denied", "[manager][metrics-auth]") {
    auto allowed = read_access_review(R"({"status":{"allowed":true,"reason":"RBAC: allowed by ClusterRoleBinding"}})");
    REQUIRE(allowed.ok());
    CHECK(allowed->allowed);
    CHECK(allowed->reason == "RBAC: allowed by ClusterRoleBinding");
    auto silent = read_access_review(R"({"status":{}})");
    REQUIRE(silent.ok());
    CHECK_FALSE(silent->allowed);
    auto denied = read_access_review(R"({"status":{"allowed":true,"denied":true}})");
    REQUIRE(denied.ok());
    CHECK_FALSE(denied->allowed);
    auto failed = read_access_review(R"({"status":{"allowed":false,"evaluationError":"webhook timed out"}})");
    REQUIRE(failed.ok());
    CHECK(failed->reason == "webhook timed out");
    CHECK(read_access_review("[]").error().reason == ErrorReason::Decode);
    CHECK(read_access_review(R"({"status":{"allowed":1}})").error().reason == ErrorReason::Decode);
}

TEST_CASE("ApiAccessReviewer posts the reviews and reads the answers", "[manager][metrics-auth]") {
    boost::asio::io_context io;
    FakeClient client;
    ApiAccessReviewer reviewer(client);
    client.push_response(201, R"({"status":{"authenticated":true,"user":{"username":"alice"}}})");
    client.push_response(201, R"({"status":{"allowed":true}})");
    client.push_response(403, R"({"kind":"Status","reason":"Forbidden","message":"cannot create tokenreviews","code":403})");

    auto token = run_coroutine(io, reviewer.review_token("t"));
    REQUIRE(token.ok());
    CHECK(token->user.username == "alice");
    // Named, not braced: GCC 12 destroys a braced temporary coroutine argument twice.
    const NonResourceAccess metrics_get{"/metrics", "get"};
    auto access = run_coroutine(io, reviewer.review_access(token->user, metrics_get));
    REQUIRE(access.ok());
    CHECK(access->allowed);
    // The operator itself may not create reviews: an error, not a refusal of the caller.
    auto forbidden = run_coroutine(io, reviewer.review_token("t"));
    REQUIRE_FALSE(forbidden.ok());
    CHECK(forbidden.error().reason == ErrorReason::Forbidden);

    REQUIRE(client.requests.size() == 3);
    CHECK(client.requests[0] == token_review_request("t"));
    CHECK(client.requests[1] == access_review_request({"alice", "", {}, {}}, {"/metrics", "get"}));
}
