#include <catch2/catch.hpp>

#include <algorithm>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/workload.hpp"
#include "kinds_test_support.hpp"

using namespace labfleet::api::v1alpha1;
using namespace labfleet::api::v1alpha1::testing;
using labfleet::kube::Json;

namespace {
Json workload_with_pod(const Json& pod) {
    Json json = Json::parse(R"({"metadata": {"name": "intro", "uid": "w-uid"},
        "spec": {"images": {"workshop": {"repository": "labs/intro"}, "files": {"repository": "labs/intro-files"}}}})");
    json["spec"]["pod"] = pod;
    return json;
}

Json full_pod() {
    return Json::parse(R"({
        "resources": {"requests": {"cpu": "1.5", "memory": "64Mi"}, "limits": {"cpu": 2, "memory": "0.5Gi"}},
        "imagePullSecrets": [{"name": "regcred"}, {"name": "mirror"}],
        "nodeSelector": {"node-pool": "workshops"},
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "labs", "effect": "NoSchedule"},
                        {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}],
        "priorityClassName": "workshop-low",
        "labels": {"team": "edu"},
        "annotations": {"example.com/owner": "edu team"},
        "securityContext": {"runAsUser": 1000, "runAsGroup": 0}})");
}

/// The fields of every error validate() reports for `pod` on a Workload.
std::vector<std::string> error_fields(const Json& pod) {
    std::vector<std::string> out;
    for (const auto& error : validate(decode<Workload>(workload_with_pod(pod)))) out.push_back(error.str());
    return out;
}

bool has_error(const std::vector<std::string>& errors, const std::string& text) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const std::string& error) { return error.find(text) != std::string::npos; });
}
} // namespace

TEST_CASE("spec.pod absent: empty settings", "[api][pod]") {
    const auto w = decode<Workload>(workload_with_pod(nullptr));
    CHECK(w.spec.pod.empty());
    CHECK(to_json(w.spec.pod) == Json::object());
    CHECK(validate(w).empty());
}

TEST_CASE("spec.pod is read on Workloads and DeploymentTargets", "[api][pod]") {
    const auto w = decode<Workload>(workload_with_pod(full_pod()));
    const PodSettings& pod = w.spec.pod;
    CHECK_FALSE(pod.empty());
    CHECK(pod.resources.requests.at("cpu").text == "1500m");  // the text the API server writes back
    CHECK(pod.resources.requests.at("memory").text == "64Mi");
    CHECK(pod.resources.limits.at("cpu").text == "2");
    CHECK(pod.resources.limits.at("memory").text == "512Mi");
    CHECK(pod.image_pull_secrets == std::vector<std::string>{"regcred", "mirror"});
    CHECK(pod.node_selector == std::map<std::string, std::string>{{"node-pool", "workshops"}});
    REQUIRE(pod.tolerations.size() == 2);
    CHECK(pod.tolerations[0] == Toleration{"dedicated", "Equal", "labs", "NoSchedule", std::nullopt});
    CHECK(pod.tolerations[1] == Toleration{"", "Exists", "", "NoExecute", 30});
    CHECK(pod.priority_class_name == "workshop-low");
    CHECK(pod.labels.at("team") == "edu");
    CHECK(pod.annotations.at("example.com/owner") == "edu team");
    CHECK(pod.run_as_user == 1000);
    CHECK(pod.run_as_group == 0);
    CHECK(validate(w).empty());

    // Written back as the CRD spells it, quantities in the server's text.
    const Json written = to_json(pod);
    CHECK(written["resources"]["limits"] == Json{{"cpu", "2"}, {"memory", "512Mi"}});
    CHECK(written["imagePullSecrets"] == Json::parse(R"([{"name": "regcred"}, {"name": "mirror"}])"));
    CHECK(written["tolerations"][1] == Json::parse(R"({"operator": "Exists", "effect": "NoExecute",
                                                       "tolerationSeconds": 30})"));
    CHECK(written["securityContext"] == Json{{"runAsUser", 1000}, {"runAsGroup", 0}});

    Json target = Json::parse(R"({"metadata": {"name": "qa-1"}, "spec": {"environment": "qa", "namespace": "labs-qa"}})");
    target["spec"]["pod"] = full_pod();
    const auto t = decode<DeploymentTarget>(target);
    CHECK(t.spec.pod == pod);
    CHECK(validate(t).empty());
}

TEST_CASE("spec.pod decode errors name the field", "[api][pod]") {
    const auto failure = [](const Json& pod) { return decode_failure<Workload>(workload_with_pod(pod)).str(); };
    CHECK(failure(Json::array()) == "spec.pod: expected object, got array");
    CHECK(failure(Json::parse(R"({"resources": {"limits": {"cpu": "lots"}}})")).starts_with(
        "spec.pod.resources.limits.cpu: invalid quantity \"lots\": expected digits"));
    CHECK(failure(Json::parse(R"({"resources": {"limits": {"cpu": -1}}})")) ==
          "spec.pod.resources.limits.cpu: must not be negative, got -1");
    CHECK(failure(Json::parse(R"({"resources": {"requests": {"cpu": 0.5}}})")).starts_with(
        "spec.pod.resources.requests.cpu: expected a quantity (integer or string"));
    CHECK(failure(Json::parse(R"({"resources": {"requests": {"memory": "1e30"}}})")) ==
          "spec.pod.resources.requests.memory: invalid quantity \"1e30\": too large (at most 9223372036854775807)");
    CHECK(failure(Json::parse(R"({"resources": []})")) == "spec.pod.resources: expected object, got array");
    CHECK(failure(Json::parse(R"({"imagePullSecrets": [{}]})")) ==
          "spec.pod.imagePullSecrets[0].name: required field is missing");
    CHECK(failure(Json::parse(R"({"tolerations": ["dedicated"]})")) ==
          "spec.pod.tolerations[0]: expected object, got string");
    CHECK(failure(Json::parse(R"({"tolerations": [{"key": "a", "tolerationSeconds": "30"}]})")).starts_with(
        "spec.pod.tolerations[0].tolerationSeconds: expected integer"));
    CHECK(failure(Json::parse(R"({"nodeSelector": {"zone": 1}})")) ==
          "spec.pod.nodeSelector.zone: expected string, got integer");
    CHECK(failure(Json::parse(R"({"securityContext": {"runAsUser": 0}})")) ==
          "spec.pod.securityContext.runAsUser: expected integer 1..2147483647, got 0");
    CHECK(failure(Json::parse(R"({"priorityClassName": 3})")) == "spec.pod.priorityClassName: expected string, got integer");
}

TEST_CASE("spec.pod validation names the field and the rule", "[api][pod]") {
    CHECK(error_fields(Json::parse(R"({"resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1500m"}}})")) ==
          std::vector<std::string>{"spec.pod.resources.requests.cpu: must not exceed limits.cpu (2 > 1500m)"});
    CHECK(error_fields(Json::parse(R"({"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "1000m"}}})")).empty());
    CHECK(has_error(error_fields(Json::parse(R"({"resources": {"limits": {"gpu": "1"}}})")),
                    "spec.pod.resources.limits: \"gpu\" is not a resource name"));
    CHECK(error_fields(Json::parse(R"({"resources": {"limits": {"example.com/gpu": "1", "hugepages-2Mi": "1Gi",
                                                                 "ephemeral-storage": "1Gi"}}})"))
              .empty());
    CHECK(error_fields(Json::parse(R"({"imagePullSecrets": [{"name": "a"}, {"name": "a"}, {"name": "B"}]})")) ==
          std::vector<std::string>{"spec.pod.imagePullSecrets[1].name: duplicate Secret \"a\"",
                                   "spec.pod.imagePullSecrets[2].name: must be a Secret name (a DNS subdomain)"});
    CHECK(has_error(error_fields(Json::parse(R"({"nodeSelector": {"bad key!": "x"}})")),
                    "spec.pod.nodeSelector: key \"bad key!\" must be [prefix/]name"));
    CHECK(has_error(error_fields(Json::parse(R"({"nodeSelector": {"zone": "not a value"}})")),
                    "spec.pod.nodeSelector.zone: must be a label value"));
    CHECK(error_fields(Json::parse(R"({"priorityClassName": "Low"})")) ==
          std::vector<std::string>{"spec.pod.priorityClassName: must be a PriorityClass name (a DNS subdomain)"});
    CHECK(error_fields(Json::parse(R"({"labels": {"labfleet.dev/workload": "x", "app.kubernetes.io/name": "y",
                                                   "team": "edu"}})")) ==
          std::vector<std::string>{
              "spec.pod.labels: key \"app.kubernetes.io/name\" is reserved: Labfleet sets it on every pod",
              "spec.pod.labels: key \"labfleet.dev/workload\" is reserved: Labfleet sets it on every pod"});
    CHECK(has_error(error_fields(Json::parse(R"({"annotations": {"labfleet.dev/config-hash": "x"}})")),
                    "spec.pod.annotations: key \"labfleet.dev/config-hash\" is reserved"));
    CHECK(error_fields(Json::parse(R"({"annotations": {"example.com/note": "any text: at all"}})")).empty());
}

TEST_CASE("tolerations are checked as core/v1 checks them", "[api][pod]") {
    const auto errors = [](const char* toleration) {
        Json pod = {{"tolerations", Json::array({Json::parse(toleration)})}};
        return error_fields(pod);
    };
    CHECK(errors(R"({"key": "dedicated", "value": "labs"})").empty());
    CHECK(errors(R"({"operator": "Exists"})").empty());
    CHECK(errors(R"({"key": "k", "effect": "NoExecute", "tolerationSeconds": 0})").empty());
    CHECK(errors(R"({"effect": "NoSchedule"})") ==
          std::vector<std::string>{
              "spec.pod.tolerations[0].operator: must be Exists when key is empty (a toleration of every taint)"});
    CHECK(errors(R"({"key": "k", "operator": "Exists", "value": "v"})") ==
          std::vector<std::string>{"spec.pod.tolerations[0].value: must be empty when operator is Exists"});
    CHECK(errors(R"({"key": "k", "operator": "In"})") ==
          std::vector<std::string>{"spec.pod.tolerations[0].operator: must be Equal or Exists, got \"In\""});
    CHECK(errors(R"({"key": "k", "effect": "NoRun"})") ==
          std::vector<std::string>{
              "spec.pod.tolerations[0].effect: must be NoSchedule, PreferNoSchedule or NoExecute, got \"NoRun\""});
    CHECK(errors(R"({"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5})") ==
          std::vector<std::string>{"spec.pod.tolerations[0].tolerationSeconds: is allowed only with effect NoExecute"});
    CHECK(has_error(errors(R"({"key": "bad key", "value": "v"})"), "spec.pod.tolerations[0].key: must be a label key"));
}
