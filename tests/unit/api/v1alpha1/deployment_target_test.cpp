#include <catch2/catch.hpp>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/group_version.hpp"
#include "kube/meta/time_format.hpp"
#include "kinds_test_support.hpp"

using namespace labfleet::api::v1alpha1;
using namespace labfleet::api::v1alpha1::testing;
using labfleet::kube::Json;
using namespace std::chrono_literals;

namespace {
Json minimal() {
    return Json::parse(R"({"apiVersion": "labfleet.dev/v1alpha1", "kind": "DeploymentTarget",
        "metadata": {"name": "qa-1", "uid": "u1", "generation": 3, "resourceVersion": "42",
                     "creationTimestamp": "2024-01-02T03:04:05Z", "labels": {"env": "qa"}},
        "spec": {"environment": "qa", "namespace": "labs-qa"}})");
}
} // namespace

TEST_CASE("resource types of the group", "[api]") {
    const auto type = deployment_targets();
    CHECK(type.api_version() == "labfleet.dev/v1alpha1");
    CHECK(type.plural == "deploymenttargets");
    CHECK_FALSE(type.namespaced);
    CHECK(workloads().kind == "Workload");
    CHECK(scheduling_policies().plural == "schedulingpolicies");
    CHECK(environment_leases().plural == "environmentleases");
    CHECK_FALSE(environment_leases().namespaced);
}

TEST_CASE("DeploymentTarget decodes metadata and applies defaults", "[api][target]") {
    const auto target = decode<DeploymentTarget>(minimal());
    CHECK(target.metadata.name == "qa-1");
    CHECK(target.metadata.uid == "u1");
    CHECK(target.metadata.generation == 3);
    CHECK(target.metadata.resource_version == "42");
    CHECK(labfleet::kube::format_rfc3339(*target.metadata.creation_timestamp) == "2024-01-02T03:04:05Z");
    CHECK(target.metadata.labels.at("env") == "qa");
    CHECK_FALSE(target.metadata.deletion_timestamp);
    CHECK(target.spec.environment == "qa");
    CHECK(target.spec.target_namespace == "labs-qa");
    CHECK(target.spec.registry.empty());
    CHECK(target.spec.channel == "prod");
    CHECK(target.spec.leases.default_duration == 1h);
    CHECK(target.spec.leases.max_duration == 8h);
    CHECK(target.spec.leases.notify_before == 5min);
    CHECK_FALSE(target.spec.paused);
    CHECK(validate(target).empty());
}

TEST_CASE("DeploymentTarget reads set fields and status", "[api][target]") {
    Json json = minimal();
    json["spec"]["registry"] = "registry.example.com:5000/team";
    json["spec"]["channel"] = "stg";
    json["spec"]["leases"] = {{"defaultDuration", "30m"}, {"maxDuration", "2h"}, {"notifyBefore", "90s"}};
    json["spec"]["paused"] = true;
    json["status"] = Json::parse(R"({"observedGeneration": 3, "workloads": 2, "pendingLeases": 1,
        "activeLease": {"name": "l1", "holder": "ann", "expiresAt": "2024-01-02T04:00:00Z"},
        "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 3,
                        "lastTransitionTime": "2024-01-02T03:05:00Z", "reason": "Reconciled", "message": ""}]})");
    const auto target = decode<DeploymentTarget>(json);
    CHECK(target.spec.registry == "registry.example.com:5000/team");
    CHECK(target.spec.channel == "stg");
    CHECK(target.spec.leases.default_duration == 30min);
    CHECK(target.spec.leases.max_duration == 2h);
    CHECK(target.spec.leases.notify_before == 90s);
    CHECK(target.spec.paused);
    CHECK(target.status.workloads == 2);
    REQUIRE(target.status.active_lease);
    CHECK(target.status.active_lease->holder == "ann");
    REQUIRE(target.status.conditions.size() == 1);
    CHECK(target.status.conditions[0].reason == "Reconciled");
    // Status writes are built from the typed value and read back the same.
    Json round = json;
    round["status"] = to_json(target.status);
    CHECK(decode<DeploymentTarget>(round).status == target.status);
    CHECK(to_json(target.status)["activeLease"]["expiresAt"] == "2024-01-02T04:00:00Z");
    DeploymentTargetStatus empty;
    CHECK_FALSE(to_json(empty).contains("activeLease"));
}

TEST_CASE("DeploymentTarget decode errors name the field", "[api][target]") {
    Json json = minimal();
    json["spec"].erase("namespace");
    CHECK(decode_failure<DeploymentTarget>(json).field == "spec.namespace");
    json = minimal();
    json["spec"]["leases"]["maxDuration"] = "-1h";
    auto error = decode_failure<DeploymentTarget>(json);
    CHECK(error.field == "spec.leases.maxDuration");
    CHECK(error.message.find("-1h") != std::string::npos);
    json = minimal();
    json["spec"]["paused"] = "yes";
    CHECK(decode_failure<DeploymentTarget>(json).str() == "spec.paused: expected boolean, got string");
    json = minimal();
    json["metadata"].erase("name");
    CHECK(decode_failure<DeploymentTarget>(json).field == "metadata.name");
    json = minimal();
    json["metadata"]["labels"]["n"] = 5;
    CHECK(decode_failure<DeploymentTarget>(json).field == "metadata.labels.n");
    CHECK(decode_failure<DeploymentTarget>(Json::parse(R"({"metadata": {"name": "x"}})")).field == "spec");
    CHECK(decode_failure<DeploymentTarget>(Json::parse("[1]")).str() == "expected object, got array");
    json = minimal();
    json["status"] = {{"conditions", {{{"type", "Ready"}, {"status", "Maybe"}}}}};
    CHECK(decode_failure<DeploymentTarget>(json).field == "status.conditions[0].status");
    json = minimal();
    json["metadata"]["creationTimestamp"] = "yesterday";
    CHECK(decode_failure<DeploymentTarget>(json).field == "metadata.creationTimestamp");
}

TEST_CASE("DeploymentTarget validation beyond the schema", "[api][target]") {
    auto target = decode<DeploymentTarget>(minimal());
    target.spec.environment = "QA";
    target.spec.target_namespace = "a_b";
    target.spec.channel = "-bad";
    target.spec.registry = "https://r.example.com";
    target.spec.leases.default_duration = 9h;
    target.spec.leases.notify_before = 8h;
    const auto errors = validate(target);
    REQUIRE(errors.size() == 6);
    CHECK(errors[0].field == "spec.environment");
    CHECK(errors[1].field == "spec.namespace");
    CHECK(errors[2].field == "spec.channel");
    CHECK(errors[3].field == "spec.registry");
    CHECK(errors[4].str() == "spec.leases.defaultDuration: must not exceed maxDuration (8h)");
    CHECK(errors[5].field == "spec.leases.notifyBefore");
    CHECK(join(errors).find("; spec.namespace: ") != std::string::npos);

    // A channel names a tag; the CRD refuses a digest there, and so does validate.
    target = decode<DeploymentTarget>(minimal());
    target.spec.channel = "sha256:" + std::string(64, 'a');
    REQUIRE(validate(target).size() == 1);
    CHECK(validate(target)[0].str().find("spec.channel: invalid channel") == 0);
}
