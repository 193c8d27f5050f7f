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
