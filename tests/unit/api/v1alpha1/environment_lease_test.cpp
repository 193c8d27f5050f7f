#include <catch2/catch.hpp>

#include "api/v1alpha1/environment_lease.hpp"
#include "kube/meta/time_format.hpp"
#include "kinds_test_support.hpp"

using namespace labfleet::api::v1alpha1;
using namespace labfleet::api::v1alpha1::testing;
using labfleet::kube::Json;
using namespace std::chrono_literals;

namespace {
Json minimal() {
    return Json::parse(R"({"metadata": {"generateName": "qa-1-"}, "spec": {"target": "qa-1", "holder": "ann"}})");
}
} // namespace

TEST_CASE("EnvironmentLease defaults and generateName", "[api][lease]") {
    const auto lease = decode<EnvironmentLease>(minimal());
    CHECK(lease.metadata.name.empty());
    CHECK(lease.metadata.generate_name == "qa-1-");
    CHECK_FALSE(lease.spec.duration);
    CHECK_FALSE(lease.spec.release);
    CHECK_FALSE(lease.spec.reason);
    CHECK(lease.status.phase == LeasePhase::Unset);
    CHECK(lease.override_for("intro") == nullptr);
    CHECK(validate(lease).empty());
    CHECK_FALSE(to_json(lease.status).contains("phase"));
}

TEST_CASE("EnvironmentLease reads spec and status", "[api][lease]") {
    Json json = minimal();
    json["spec"]["duration"] = "2h";
    json["spec"]["release"] = true;
    json["spec"]["reason"] = "PR 42";
    json["spec"]["overrides"] = Json::parse(R"([{"workload": "intro", "files": {"tag": "pr-42"}},
                                               {"workload": "intro", "workshop": {"tag": "second"}}])");
    json["status"] = Json::parse(R"({"phase": "Active", "queuePosition": 0, "acquiredAt": "2024-01-01T10:00:00Z",
                                    "expiresAt": "2024-01-01T12:00:00Z"})");
    const auto lease = decode<EnvironmentLease>(json);
    CHECK(lease.spec.duration == 2h);
    CHECK(lease.spec.release);
    CHECK(lease.spec.reason == "PR 42");
    REQUIRE(lease.override_for("intro"));
    CHECK(lease.override_for("intro")->files_tag == "pr-42");
    CHECK(lease.status.phase == LeasePhase::Active);
    CHECK(*lease.status.expires_at - *lease.status.acquired_at == 2h);
    const Json status = to_json(lease.status);
    CHECK(status["phase"] == "Active");
    CHECK(status["expiresAt"] == "2024-01-01T12:00:00Z");
    CHECK_FALSE(status.contains("releasedAt"));
    Json round = json;
    round["status"] = status;
    CHECK(decode<EnvironmentLease>(round).status == lease.status);
}

TEST_CASE("EnvironmentLease errors", "[api][lease]") {
    Json json = minimal();
    json["spec"].erase("holder");
    CHECK(decode_failure<EnvironmentLease>(json).field == "spec.holder");
    json = minimal();
    json["spec"]["duration"] = "0s";
    CHECK(decode_failure<EnvironmentLease>(json).field == "spec.duration");
    json = minimal();
    json["status"] = {{"phase", "Running"}};
    CHECK(decode_failure<EnvironmentLease>(json).field == "status.phase");
    json = minimal();
    json["spec"]["overrides"] = Json::parse(R"([{"files": {"tag": "x"}}])");
    CHECK(decode_failure<EnvironmentLease>(json).field == "spec.overrides[0].workload");
    json = minimal();
    json["metadata"] = Json::object();
    CHECK(decode_failure<EnvironmentLease>(json).field == "metadata.name");

    auto lease = decode<EnvironmentLease>(minimal());
    lease.spec.overrides = {{"intro", std::nullopt, std::nullopt}, {"b", std::string("bad tag"), std::nullopt}};
    lease.spec.reason = std::string(257, 'r');
    const auto errors = validate(lease);
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].field == "spec.overrides[0]");
    CHECK(errors[1].field == "spec.overrides[1].workshop.tag");
    CHECK(errors[2].field == "spec.reason");
}

TEST_CASE("EnvironmentLease spec.reason counts characters as the CRD's maxLength does", "[api][lease]") {
    auto lease = decode<EnvironmentLease>(minimal());
    std::string reason;
    for (int i = 0; i < 256; ++i) reason += "\xc3\xa9";  // é: 2 bytes, 1 character
    lease.spec.reason = reason;
    CHECK(validate(lease).empty());
    lease.spec.reason = reason + "e";
    REQUIRE(validate(lease).size() == 1);
}

TEST_CASE("EnvironmentLease spec.base: decoded, optional, a channel (a tag, never a digest)", "[api][lease]") {
    CHECK_FALSE(decode<EnvironmentLease>(minimal()).spec.base);
    Json json = minimal();
    json["spec"]["base"] = "prod";
    auto lease = decode<EnvironmentLease>(json);
    CHECK(lease.spec.base == "prod");
    CHECK(validate(lease).empty());
    json["spec"]["base"] = 7;
    CHECK(decode_failure<EnvironmentLease>(json).field == "spec.base");

    const std::vector<std::string> not_channels{"", "bad tag", ".prod", "sha256:" + std::string(64, 'a'),
                                                std::string(129, 'p')};
    for (const auto& bad : not_channels) {
        lease.spec.base = bad;
        const auto errors = validate(lease);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].field == "spec.base");
        CHECK_THAT(errors[0].message, Catch::Contains("invalid channel \"" + bad + "\""));
    }
}
