#include <catch2/catch.hpp>

#include "api/v1alpha1/workload.hpp"
#include "kinds_test_support.hpp"

using namespace labfleet::api::v1alpha1;
using namespace labfleet::api::v1alpha1::testing;
using labfleet::kube::Json;

namespace {
Json minimal() {
    return Json::parse(R"({"metadata": {"name": "intro", "uid": "w-uid"},
        "spec": {"images": {"workshop": {"repository": "labs/intro"}, "files": {"repository": "labs/intro-files"}}}})");
}
} // namespace

TEST_CASE("Workload defaults", "[api][workload]") {
    const auto w = decode<Workload>(minimal());
    CHECK(w.spec.images.workshop.repository == "labs/intro");
    CHECK_FALSE(w.spec.images.workshop.tag);
    CHECK(w.spec.images.files.port == 8080);
    CHECK(w.spec.replicas == 1);
    CHECK_FALSE(w.spec.suspend);
    CHECK(w.spec.workshop == Json::object());
    CHECK(w.spec.overrides.empty());
    CHECK(validate(w).empty());
}

TEST_CASE("Workload reads overrides, free-form workshop and status", "[api][workload]") {
    Json json = minimal();
    json["spec"]["images"]["files"]["port"] = 9000;
    json["spec"]["images"]["files"]["tag"] = "v2";
    json["spec"]["replicas"] = 0;
    json["spec"]["suspend"] = true;
    json["spec"]["workshop"] = Json::parse(R"({"title": "Intro", "nested": [1, {"x": "${ENVIRONMENT}"}]})");
    json["spec"]["overrides"] = Json::parse(R"([{"environment": "qa", "files": {"tag": "qa-1"}},
        {"target": "qa-2", "workshop": {"tag": "t"}, "files": {"tag": "f"}}])");
    json["status"] = Json::parse(R"({"observedGeneration": 1, "targets": [{"name": "qa-1", "environment": "qa",
        "workshopImage": "a:b", "filesImage": "c:d", "source": "lease/l1", "readyReplicas": 1}], "readyTargets": "1/1"})");
    const auto w = decode<Workload>(json);
    CHECK(w.spec.images.files.port == 9000);
    CHECK(w.spec.images.files.tag == "v2");
    CHECK(w.spec.replicas == 0);
    CHECK(w.spec.suspend);
    CHECK(w.spec.workshop["nested"][1]["x"] == "${ENVIRONMENT}");
    REQUIRE(w.spec.overrides.size() == 2);
    CHECK(w.spec.overrides[0].environment == "qa");
    CHECK_FALSE(w.spec.overrides[0].workshop_tag);
    CHECK(w.spec.overrides[0].files_tag == "qa-1");
    CHECK(w.spec.overrides[1].target == "qa-2");
    CHECK(w.spec.overrides[1].workshop_tag == "t");
    REQUIRE(w.status.targets.size() == 1);
    CHECK(w.status.targets[0].source == "lease/l1");
    CHECK(w.status.ready_targets == "1/1");
    CHECK(validate(w).empty());
    Json round = json;
    round["status"] = to_json(w.status);
    CHECK(decode<Workload>(round).status == w.status);
}

TEST_CASE("Workload decode errors name the field", "[api][workload]") {
    Json json = minimal();
    json["spec"]["images"]["files"]["port"] = 70000;
    CHECK(decode_failure<Workload>(json).str() == "spec.images.files.port: expected integer 1..65535, got 70000");
    json["spec"]["images"]["files"]["port"] = "8080";
    CHECK(decode_failure<Workload>(json).str() == "spec.images.files.port: expected integer 1..65535, got \"8080\"");
    json["spec"]["images"]["files"]["port"] = 80.5;
    CHECK(decode_failure<Workload>(json).field == "spec.images.files.port");
    json["spec"]["images"]["files"]["port"] = 80.0;
    CHECK(decode<Workload>(json).spec.images.files.port == 80);
    json = minimal();
    json["spec"]["images"].erase("files");
    CHECK(decode_failure<Workload>(json).str() == "spec.images.files: required field is missing");
    json = minimal();
    json["spec"]["images"]["workshop"]["repository"] = "";
    CHECK(decode_failure<Workload>(json).field == "spec.images.workshop.repository");
    json = minimal();
    json["spec"]["replicas"] = 101;
    CHECK(decode_failure<Workload>(json).field == "spec.replicas");
    json["spec"]["replicas"] = -1;
    CHECK(decode_failure<Workload>(json).field == "spec.replicas");
    json = minimal();
    json["spec"]["workshop"] = "text";
    CHECK(decode_failure<Workload>(json).field == "spec.workshop");
    json = minimal();
    json["spec"]["overrides"] = Json::parse(R"([{"environment": "qa", "files": {"tag": "a"}}, {"target": "t", "files": {}}])");
    CHECK(decode_failure<Workload>(json).field == "spec.overrides[1].files.tag");
    json["spec"]["overrides"] = Json::parse(R"([{"environment": 3}])");
    CHECK(decode_failure<Workload>(json).field == "spec.overrides[0].environment");
    json["spec"]["overrides"] = Json::parse(R"({"environment": "qa"})");
    CHECK(decode_failure<Workload>(json).str() == "spec.overrides: expected array, got object");
    // The first problem wins, in field order.
    json = minimal();
    json["spec"]["images"]["workshop"].erase("repository");
    json["spec"]["replicas"] = "x";
    CHECK(decode_failure<Workload>(json).field == "spec.images.workshop.repository");
}

TEST_CASE("Workload validation beyond the schema", "[api][workload]") {
    auto w = decode<Workload>(minimal());
    w.spec.images.workshop.tag = "sha256:" + std::string(64, 'f');
    w.spec.images.files.tag = "bad tag";
    WorkloadOverride both;
    both.environment = "qa";
    both.target = "qa-1";
    both.files_tag = "x";
    WorkloadOverride neither;
    WorkloadOverride bad_env;
    bad_env.environment = "QA";
    bad_env.workshop_tag = ".x";
    w.spec.overrides = {both, neither, bad_env};
    const auto errors = validate(w);
    std::vector<std::string> fields;
    for (const auto& e : errors) fields.push_back(e.field);
    CHECK(fields == std::vector<std::string>{"spec.images.files.tag", "spec.overrides[0]", "spec.overrides[1]",
                                             "spec.overrides[1]", "spec.overrides[2].environment",
                                             "spec.overrides[2].workshop.tag"});
    CHECK(errors[1].message == "exactly one of environment or target must be set");
    CHECK(errors[3].message == "at least one of workshop.tag or files.tag must be set");

    auto named = decode<Workload>(minimal());
    named.metadata.name = std::string(58, 'a');
    REQUIRE(validate(named).size() == 1);
    CHECK(validate(named)[0].field == "metadata.name");
    named.metadata.name = "my.workload";
    CHECK(validate(named).size() == 1);
    named.metadata.name = std::string(57, 'a');
    CHECK(validate(named).empty());
}

TEST_CASE("Workload reads spec.promotion with its defaults, and validates it", "[api][workload][promotion]") {
    Json json = minimal();
    json["spec"]["promotion"] = Json::parse(R"({"environments": ["dev", "stg", "prod"],
        "candidate": {"workshop": {"tag": "1.5.0"}, "files": {"tag": "1.5.1"}},
        "approvalRequired": ["prod"],
        "approvals": [{"environment": "prod", "workshop": {"tag": "1.5.0"}, "files": {"tag": "1.5.1"}}]})");
    auto w = decode<Workload>(json);
    REQUIRE(w.spec.promotion);
    const auto& promotion = *w.spec.promotion;
    CHECK(promotion.soak == std::chrono::minutes{10});
    CHECK(promotion.deadline == std::chrono::minutes{30});
    CHECK(to_string(promotion.candidate) == "1.5.0/1.5.1");
    CHECK(promotion.needs_approval("prod"));
    CHECK_FALSE(promotion.needs_approval("stg"));
    CHECK(promotion.approved("prod", {"1.5.0", "1.5.1"}));
    CHECK_FALSE(promotion.approved("prod", {"1.5.0", "1.5.0"}));
    CHECK(validate(w).empty());

    w.spec.promotion->environments = {"dev", "dev"};
    w.spec.promotion->candidate.files_tag = "bad tag";
    const auto errors = validate(w);
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].field == "spec.promotion.environments[1]");
    CHECK(errors[1].field == "spec.promotion.candidate.files.tag");
    CHECK(errors[2].field == "spec.promotion.approvalRequired[0]");
}

TEST_CASE("Workload with a promotion missing its candidate names the field", "[api][workload][promotion]") {
    Json json = minimal();
    json["spec"]["promotion"] = {{"environments", {"dev"}}, {"candidate", {{"workshop", {{"tag", "1"}}}}}};
    const auto decoded = Workload::from_json(json);
    REQUIRE_FALSE(decoded.ok());
    CHECK_THAT(decoded.error().message, Catch::Contains("spec.promotion.candidate.files"));
}

TEST_CASE("Workload status.promotion round-trips, and a malformed one reads as lost", "[api][workload][promotion]") {
    PromotionStatus status;
    status.candidate = {"1.5.0", "1.5.0"};
    status.phase = PromotionPhase::AwaitingApproval;
    status.summary = "prod 1.5.0 awaiting approval";
    EnvironmentPromotion dev;
    dev.name = "dev";
    dev.version = status.candidate;
    dev.since = labfleet::kube::WallTime{std::chrono::seconds{1'700'000'000}};
    dev.state = EnvironmentState::Passed;
    dev.served_since = dev.since;
    EnvironmentPromotion prod;
    prod.name = "prod";  // given nothing yet
    prod.state = EnvironmentState::AwaitingApproval;
    status.environments = {dev, prod};
    Json json = minimal();
    json["status"]["promotion"] = to_json(status);
    CHECK_FALSE(json["status"]["promotion"]["environments"][1].contains("workshopTag"));
    const auto w = decode<Workload>(json);
    REQUIRE(w.status.promotion);
    CHECK(*w.status.promotion == status);

    json["status"]["promotion"]["environments"][0]["state"] = "Sideways";
    const auto lost = decode<Workload>(json);  // the object still decodes
    CHECK_FALSE(lost.status.promotion);
    json["status"]["promotion"] = "not an object";
    CHECK_FALSE(decode<Workload>(json).status.promotion);
}
