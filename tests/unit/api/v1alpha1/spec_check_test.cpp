#include <catch2/catch.hpp>

#include "api/v1alpha1/spec_check.hpp"

using labfleet::api::v1alpha1::spec_refusal;
using labfleet::kube::Json;

namespace {
Json lease(const std::string& duration) {
    return Json::parse(R"({"apiVersion": "labfleet.dev/v1alpha1", "kind": "EnvironmentLease",
        "metadata": {"name": "l"}, "spec": {"target": "t", "holder": "h", "duration": ")" + duration + R"("}})");
}
} // namespace

TEST_CASE("spec_refusal decodes and validates by kind", "[api][spec_check]") {
    CHECK_FALSE(spec_refusal(lease("1h")));
    const auto too_short = spec_refusal(lease("0.5ms"));
    REQUIRE(too_short);
    CHECK(too_short->field == "spec.duration");

    Json target = Json::parse(R"({"kind": "DeploymentTarget", "metadata": {"name": "t"},
        "spec": {"environment": "e", "namespace": "n", "leases": {"maxDuration": "1h", "notifyBefore": "1h"}}})");
    const auto notify = spec_refusal(target);
    REQUIRE(notify);  // decodes, but validate refuses it
    CHECK(notify->field == "spec.leases.notifyBefore");
    target["spec"]["leases"]["notifyBefore"] = "59m";
    CHECK_FALSE(spec_refusal(target));

    CHECK_FALSE(spec_refusal(Json::parse(R"({"kind": "SchedulingPolicy", "metadata": {"name": "p"},
        "spec": {"workloadSelector": {}, "targetSelector": {"matchLabels": {"a/b": "c"}}}})")));
    CHECK_FALSE(spec_refusal(Json::parse(R"({"kind": "Workload", "metadata": {"name": "w"},
        "spec": {"images": {"workshop": {"repository": "a"}, "files": {"repository": "b"}}}})")));

    const auto unknown = spec_refusal(Json::parse(R"({"kind": "Pod"})"));
    REQUIRE(unknown);
    CHECK(unknown->field == "kind");
    CHECK(spec_refusal(Json::array()));
}
