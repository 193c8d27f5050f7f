#include <catch2/catch.hpp>

#include "controllers/render/pod_settings_merge.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet::controllers;
using namespace labfleet::controllers::testing;
using labfleet::api::v1alpha1::PodSettings;
using labfleet::api::v1alpha1::Quantity;
using labfleet::api::v1alpha1::Toleration;
using labfleet::api::v1alpha1::parse_quantity;

namespace {
Quantity q(const char* text) { return parse_quantity(text).value(); }
} // namespace

TEST_CASE("pod settings: the workload wins single values, and only those it sets", "[controllers][pod]") {
    PodSettings target;
    target.priority_class_name = "env-default";
    target.run_as_user = 1000;
    target.run_as_group = 1000;
    PodSettings workload;
    workload.run_as_user = 2000;

    const PodSettings merged = merge_pod_settings(target, workload);
    CHECK(merged.priority_class_name == "env-default");
    CHECK(merged.run_as_user == 2000);
    CHECK(merged.run_as_group == 1000);
    workload.priority_class_name = "urgent";
    CHECK(merge_pod_settings(target, workload).priority_class_name == "urgent");
    CHECK(merge_pod_settings(PodSettings{}, PodSettings{}).empty());
}

TEST_CASE("pod settings: maps merge key by key, the workload winning", "[controllers][pod]") {
    PodSettings target;
    target.resources.requests = {{"cpu", q("100m")}, {"memory", q("64Mi")}};
    target.resources.limits = {{"cpu", q("1")}, {"memory", q("128Mi")}};
    target.node_selector = {{"node-pool", "workshops"}, {"zone", "a"}};
    target.labels = {{"team", "platform"}, {"cost-center", "42"}};
    target.annotations = {{"example.com/a", "target"}};
    PodSettings workload;
    workload.resources.limits = {{"memory", q("256Mi")}};
    workload.node_selector = {{"zone", "b"}};
    workload.labels = {{"team", "edu"}};
    workload.annotations = {{"example.com/b", "workload"}};

    const PodSettings merged = merge_pod_settings(target, workload);
    CHECK(merged.resources.requests == target.resources.requests);
    CHECK(merged.resources.limits == std::map<std::string, Quantity>{{"cpu", q("1")}, {"memory", q("256Mi")}});
    CHECK(merged.node_selector == std::map<std::string, std::string>{{"node-pool", "workshops"}, {"zone", "b"}});
    CHECK(merged.labels == std::map<std::string, std::string>{{"cost-center", "42"}, {"team", "edu"}});
    CHECK(merged.annotations ==
          std::map<std::string, std::string>{{"example.com/a", "target"}, {"example.com/b", "workload"}});
}

TEST_CASE("pod settings: lists are a union, the target's first", "[controllers][pod]") {
    const Toleration dedicated{"dedicated", "Equal", "labs", "NoSchedule", std::nullopt};
    const Toleration spot{"spot", "Exists", "", "", std::nullopt};
    const Toleration gpu{"gpu", "Exists", "", "NoSchedule", std::nullopt};
    PodSettings target;
    target.image_pull_secrets = {"regcred", "mirror"};
    target.tolerations = {dedicated, spot};
    PodSettings workload;
    workload.image_pull_secrets = {"mirror", "team-registry"};
    workload.tolerations = {gpu, dedicated};

    const PodSettings merged = merge_pod_settings(target, workload);
    CHECK(merged.image_pull_secrets == std::vector<std::string>{"regcred", "mirror", "team-registry"});
    CHECK(merged.tolerations == std::vector<Toleration>{dedicated, spot, gpu});
    // A toleration that differs in any field is another toleration.
    Toleration longer = dedicated;
    longer.effect = "NoExecute";
    workload.tolerations = {longer};
    CHECK(merge_pod_settings(target, workload).tolerations.size() == 3);
}

TEST_CASE("pod settings: a request above a limit from the other side is a conflict naming both", "[controllers][pod]") {
    auto w = workload("intro");
    auto t = target("qa-1", "qa");
    t.spec.pod.resources.limits = {{"cpu", q("500m")}, {"memory", q("128Mi")}};
    w.spec.pod.resources.requests = {{"cpu", q("1")}, {"memory", q("128Mi")}};

    const PodSettings merged = merge_pod_settings(t.spec.pod, w.spec.pod);
    CHECK(pod_settings_conflicts(w, t, merged) ==
          std::vector<std::string>{"spec.pod.resources.requests.cpu 1 of Workload intro exceeds "
                                   "spec.pod.resources.limits.cpu 500m of DeploymentTarget qa-1"});

    // The other way round, and fixed by the workload raising its own limit.
    std::swap(t.spec.pod, w.spec.pod);
    CHECK(pod_settings_conflicts(w, t, merge_pod_settings(t.spec.pod, w.spec.pod)) ==
          std::vector<std::string>{"spec.pod.resources.requests.cpu 1 of DeploymentTarget qa-1 exceeds "
                                   "spec.pod.resources.limits.cpu 500m of Workload intro"});
    w.spec.pod.resources.limits["cpu"] = q("2");
    CHECK(pod_settings_conflicts(w, t, merge_pod_settings(t.spec.pod, w.spec.pod)).empty());
}
