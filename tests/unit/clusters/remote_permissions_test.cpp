#include <catch2/catch.hpp>

#include "clusters/remote_permissions.hpp"

using namespace labfleet::clusters;

TEST_CASE("the permissions asked of a remote cluster are the documented ones", "[clusters]") {
    const auto needed = permissions_needed("labs");
    REQUIRE(needed.size() == 19);
    std::vector<std::string> described;
    for (const auto& permission : needed) described.push_back(permission.describe());
    for (const char* expected : {"get configmaps", "create services", "patch deployments.apps", "delete deployments.apps",
                                 "watch configmaps", "get namespaces/labs"})
        CHECK(std::find(described.begin(), described.end(), expected) != described.end());
    // Never asked: what Labfleet does not use.
    for (const char* unused : {"update configmaps", "update deployments.apps", "create namespaces"})
        CHECK(std::find(described.begin(), described.end(), unused) == described.end());
}

TEST_CASE("a SelfSubjectAccessReview names the namespace, verb, group, resource and name", "[clusters]") {
    const auto review = access_review({"get", "", "namespaces", "labs"}, "labs");
    CHECK(review["kind"] == "SelfSubjectAccessReview");
    const auto& attributes = review["spec"]["resourceAttributes"];
    CHECK(attributes["namespace"] == "labs");
    CHECK(attributes["verb"] == "get");
    CHECK(attributes["group"] == "");
    CHECK(attributes["resource"] == "namespaces");
    CHECK(attributes["name"] == "labs");
    CHECK_FALSE(access_review({"patch", "apps", "deployments", ""}, "labs")["spec"]["resourceAttributes"].contains("name"));
}

TEST_CASE("missing permissions are named, a long list summarised", "[clusters]") {
    CHECK(describe_missing({{"create", "apps", "deployments", ""}, {"patch", "", "services", ""}}) ==
          "create deployments.apps, patch services");
    const auto all = permissions_needed("labs");
    CHECK(describe_missing(all, 2) == "get configmaps, list configmaps and 17 more");
}
