#include <catch2/catch.hpp>

#include "kube/meta/time_format.hpp"
#include "plugin/lease_extension.hpp"

using namespace labfleet;
using namespace labfleet::plugin;

namespace {

kube::Json lease(const std::string& phase, const std::string& expires = "") {
    kube::Json status{{"phase", phase}};
    if (!expires.empty()) status["expiresAt"] = expires;
    return {{"metadata", {{"name", "pr-7"}}}, {"spec", {{"target", "stg"}, {"duration", "2s"}}}, {"status", status}};
}

kube::WallTime at(const char* text) { return *kube::parse_rfc3339(text); }

} // namespace

TEST_CASE("extend refuses a lease whose expiresAt has passed, even before the operator marks it",
          "[plugin][extend]") {
    const auto refusal = extend_refusal(lease("Active", "2026-12-01T10:00:02Z"), at("2026-12-01T10:00:05Z"));
    REQUIRE(refusal);
    CHECK(refusal->find("expired at 2026-12-01T10:00:02Z") != std::string::npos);
    CHECK(refusal->find("borrow again") != std::string::npos);
    // At expiresAt exactly the lease has expired (the operator's rule: now >= expiresAt).
    CHECK(extend_refusal(lease("Active", "2026-12-01T10:00:02Z"), at("2026-12-01T10:00:02Z")));
}

TEST_CASE("extend accepts an Active lease before expiresAt and a waiting one", "[plugin][extend]") {
    CHECK_FALSE(extend_refusal(lease("Active", "2026-12-01T10:00:02Z"), at("2026-12-01T10:00:01Z")));
    CHECK_FALSE(extend_refusal(lease("Pending"), at("2026-12-01T10:00:01Z")));
    CHECK_FALSE(extend_refusal(lease(""), at("2026-12-01T10:00:01Z")));
}

TEST_CASE("extend refuses a finished lease", "[plugin][extend]") {
    for (const char* phase : {"Expired", "Released"}) {
        const auto refusal = extend_refusal(lease(phase, "2026-12-01T10:00:02Z"), at("2026-12-01T09:00:00Z"));
        REQUIRE(refusal);
        CHECK(refusal->find(std::string("has ended (") + phase + ")") != std::string::npos);
    }
}
