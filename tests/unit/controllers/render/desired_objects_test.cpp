#include <catch2/catch.hpp>

#include "controllers/render/config_hash.hpp"
#include "controllers/render/desired_objects.hpp"
#include "controllers/render/object_diff.hpp"
#include "kube/cache/object_trim.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet::controllers;
using namespace labfleet::controllers::testing;
using labfleet::kube::Json;

namespace {
struct Built {
    labfleet::api::v1alpha1::Workload w = workload("intro");
    labfleet::api::v1alpha1::DeploymentTarget t = target("qa-1", "qa");
    DesiredObjects build() { return build_desired_objects(w, t, resolve_images(w, t)); }
};
} // namespace

TEST_CASE("sha256_hex", "[controllers][hash]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("three objects named after the workload, in the target namespace", "[controllers][desired]") {
    Built b;
    const auto objects = b.build();
    const auto all = objects.all();
    REQUIRE(all.size() == 3);
    CHECK(all[0]["kind"] == "ConfigMap");
    CHECK(all[0]["metadata"]["name"] == "intro-workshop");
    CHECK(all[1]["kind"] == "Deployment");
    CHECK(all[1]["apiVersion"] == "apps/v1");
    CHECK(all[1]["metadata"]["name"] == "intro-files");
    CHECK(all[2]["kind"] == "Service");
    CHECK(all[2]["metadata"]["name"] == "intro-files");
    for (const auto& object : all) {
        CHECK(object["metadata"]["namespace"] == "labs-qa-1");
        const Json& labels = object["metadata"]["labels"];
        CHECK(labels["app.kubernetes.io/managed-by"] == "labfleet");
        CHECK(labels["labfleet.dev/workload"] == "intro");
        CHECK(labels["labfleet.dev/target"] == "qa-1");
        CHECK(labels["app.kubernetes.io/name"] == "intro");
        CHECK(object["metadata"]["ownerReferences"] == Json::parse(R"([{"apiVersion": "labfleet.dev/v1alpha1",
            "kind": "Workload", "name": "intro", "uid": "uid-intro", "controller": true, "blockOwnerDeletion": true}])"));
        CHECK_FALSE(object["metadata"].contains("resourceVersion"));
        CHECK_FALSE(object.contains("status"));
    }
    b.w.metadata.uid.clear();
    CHECK_FALSE(b.build().config_map["metadata"]["ownerReferences"][0].contains("uid"));
}

TEST_CASE("the Deployment: image, port, probe, security, replicas", "[controllers][desired]") {
    Built b;
    b.w.spec.images.files.port = 9090;
    b.w.spec.replicas = 3;
    b.t.spec.registry = "r.example.com";
    const Json d = b.build().deployment;
    CHECK(d["spec"]["replicas"] == 3);
    const Json& pod = d["spec"]["template"];
    const Json& c = pod["spec"]["containers"][0];
    CHECK(c["image"] == "r.example.com/labs/intro-files:prod");
    CHECK(c["ports"][0]["containerPort"] == 9090);
    CHECK(c["readinessProbe"]["httpGet"] == Json{{"path", "/"}, {"port", 9090}});
    CHECK(c["readinessProbe"]["periodSeconds"] == 2);
    CHECK(c["securityContext"]["allowPrivilegeEscalation"] == false);
    CHECK(c["securityContext"]["readOnlyRootFilesystem"] == true);
    CHECK(c["securityContext"]["runAsNonRoot"] == true);
    CHECK(c["securityContext"]["capabilities"]["drop"] == Json::array({"ALL"}));
    CHECK(c["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault");
    CHECK(pod["spec"]["securityContext"]["runAsNonRoot"] == true);
    CHECK(pod["spec"]["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault");
    // The selector is a subset of the pod labels and never contains mutable labels.
    const Json& selector = d["spec"]["selector"]["matchLabels"];
    for (auto it = selector.begin(); it != selector.end(); ++it) CHECK(pod["metadata"]["labels"][it.key()] == *it);
    CHECK_FALSE(selector.contains("app.kubernetes.io/managed-by"));

    b.w.spec.suspend = true;
    CHECK(b.build().deployment["spec"]["replicas"] == 0);
    b.w.spec.suspend = false;
    b.w.spec.replicas = 0;
    CHECK(b.build().deployment["spec"]["replicas"] == 0);
}

TEST_CASE("the Service maps port to targetPort with the Deployment's selector", "[controllers][desired]") {
    Built b;
    b.w.spec.images.files.port = 9090;
    const auto objects = b.build();
    CHECK(objects.service["spec"]["ports"][0]["port"] == 9090);
    CHECK(objects.service["spec"]["ports"][0]["targetPort"] == 9090);
    CHECK(objects.service["spec"]["selector"] == objects.deployment["spec"]["selector"]["matchLabels"]);
}

TEST_CASE("the ConfigMap carries the rendered workshop, the hash follows it", "[controllers][desired]") {
    Built b;
    b.w.spec.workshop = {{"env", "${ENVIRONMENT}"}, {"img", "${FILES_IMAGE}"}, {"x", "${X}"}};
    const auto first = b.build();
    const std::string yaml = first.config_map["data"]["workshop.yaml"];
    CHECK(yaml == "env: qa\nimg: labs/intro-files:prod\nx: ${X}\n");
    CHECK(first.config_hash == sha256_hex(yaml));
    CHECK(first.deployment["spec"]["template"]["metadata"]["annotations"]["labfleet.dev/config-hash"] == first.config_hash);
    CHECK(first.unknown_placeholders == std::vector<std::string>{"${X} in spec.workshop.x"});
    CHECK(b.build().config_hash == first.config_hash);
    b.t.spec.environment = "dev";
    CHECK(b.build().config_hash != first.config_hash);
    // A new files tag changes the image and, through ${FILES_IMAGE}, the config.
    b.t.spec.environment = "qa";
    b.w.spec.images.files.tag = "v2";
    const auto retagged = b.build();
    CHECK(retagged.deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "labs/intro-files:v2");
    CHECK(retagged.config_hash != first.config_hash);
}

TEST_CASE("the unread fields dropped from cached children are none of the fields we set", "[controllers][desired]") {
    Built b;
    b.w.spec.suspend = true;
    const auto objects = b.build();
    const auto& unread = unread_child_fields();
    const std::pair<const Json*, const std::vector<std::string>*> kinds[] = {
        {&objects.config_map, &unread.config_map}, {&objects.deployment, &unread.deployment},
        {&objects.service, &unread.service}};
    for (const auto& [desired, pointers] : kinds) {
        INFO((*desired)["kind"]);
        CHECK_FALSE(pointers->empty());
        Json live = *desired;  // as the server returns it: our fields and its own
        for (const auto& pointer : *pointers) {
            INFO(pointer);
            CHECK_FALSE(desired->contains(Json::json_pointer(pointer)));
            live[Json::json_pointer(pointer)] = "filled by the server";
        }
        live = labfleet::kube::ObjectTrim(*pointers).parse(live.dump(), {});
        CHECK(is_in_sync(*desired, live));
        for (const auto& pointer : *pointers) CHECK_FALSE(live.contains(Json::json_pointer(pointer)));
    }
}

namespace {
labfleet::api::v1alpha1::Quantity quantity(const char* text) {
    return labfleet::api::v1alpha1::parse_quantity(text).value();
}

/// Settings on both sides, one of each kind.
void set_pod_settings(Built& b) {
    auto& target = b.t.spec.pod;
    target.resources.requests = {{"cpu", quantity("0.1")}, {"memory", quantity("64Mi")}};
    target.resources.limits = {{"cpu", quantity("1")}, {"memory", quantity("0.125Gi")}};
    target.image_pull_secrets = {"regcred"};
    target.node_selector = {{"node-pool", "workshops"}};
    target.tolerations = {{"dedicated", "Equal", "labs", "NoSchedule", std::nullopt}};
    target.priority_class_name = "workshops";
    target.labels = {{"team", "platform"}};
    target.annotations = {{"example.com/owner", "platform"}};
    target.run_as_user = 1000;
    auto& workload = b.w.spec.pod;
    workload.resources.limits = {{"memory", quantity("256Mi")}};
    workload.image_pull_secrets = {"team-registry"};
    workload.labels = {{"team", "edu"}};
    workload.run_as_group = 3000;
}
} // namespace

TEST_CASE("without pod settings the pod carries none of their fields", "[controllers][desired][pod]") {
    Built b;
    const Json d = b.build().deployment;
    const Json& pod = d["spec"]["template"]["spec"];
    for (const char* field : {"imagePullSecrets", "nodeSelector", "tolerations", "priorityClassName", "affinity"})
        CHECK_FALSE(pod.contains(field));
    CHECK_FALSE(pod["containers"][0].contains("resources"));
    CHECK(pod["securityContext"] == Json{{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}});
    CHECK(d["spec"]["template"]["metadata"]["annotations"].size() == 1);
    // A null hash: a Deployment made before pod settings existed is in sync.
    // Null tags too: only a promoted workload's Deployment records them.
    CHECK(d["metadata"]["annotations"] == Json{{"labfleet.dev/pod-settings-hash", nullptr},
                                               {"labfleet.dev/workshop-tag", nullptr},
                                               {"labfleet.dev/files-tag", nullptr}});
    Json old_live = d;
    old_live["metadata"].erase("annotations");
    CHECK(is_in_sync(d, old_live));
}

TEST_CASE("the pod carries the merged settings of target and workload", "[controllers][desired][pod]") {
    Built b;
    set_pod_settings(b);
    const auto objects = b.build();
    CHECK(objects.pod_settings_conflicts.empty());
    const Json& template_ = objects.deployment["spec"]["template"];
    const Json& pod = template_["spec"];
    const Json& container = pod["containers"][0];
    // Quantities in the text the API server writes back, so the live object compares equal.
    CHECK(container["resources"] == Json::parse(R"({"requests": {"cpu": "100m", "memory": "64Mi"},
                                                    "limits": {"cpu": "1", "memory": "256Mi"}})"));
    CHECK(pod["imagePullSecrets"] == Json::parse(R"([{"name": "regcred"}, {"name": "team-registry"}])"));
    CHECK(pod["nodeSelector"] == Json{{"node-pool", "workshops"}});
    CHECK(pod["tolerations"] == Json::parse(R"([{"key": "dedicated", "operator": "Equal", "value": "labs",
                                                "effect": "NoSchedule"}])"));
    CHECK(pod["priorityClassName"] == "workshops");
    // The restricted defaults stay; the settings only add the IDs.
    CHECK(pod["securityContext"] == Json::parse(R"({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"},
                                                   "runAsUser": 1000, "runAsGroup": 3000})"));
    CHECK(container["securityContext"]["allowPrivilegeEscalation"] == false);
    CHECK(container["securityContext"]["readOnlyRootFilesystem"] == true);
    CHECK(pod["automountServiceAccountToken"] == false);
    // Extra labels and annotations on the pods, Labfleet's own kept.
    CHECK(template_["metadata"]["labels"]["team"] == "edu");
    CHECK(template_["metadata"]["labels"]["labfleet.dev/workload"] == "intro");
    CHECK(template_["metadata"]["annotations"]["example.com/owner"] == "platform");
    CHECK(template_["metadata"]["annotations"]["labfleet.dev/config-hash"] == objects.config_hash);
    CHECK_FALSE(objects.deployment["metadata"]["labels"].contains("team"));
    // The selector never takes the extra labels.
    CHECK(objects.deployment["spec"]["selector"]["matchLabels"].size() == 3);
    CHECK(objects.deployment["metadata"]["annotations"]["labfleet.dev/pod-settings-hash"].is_string());
}

TEST_CASE("Labfleet's own pod labels win over settings that name them", "[controllers][desired][pod]") {
    Built b;
    b.w.spec.pod.labels = {{"labfleet.dev/workload", "other"}, {"app.kubernetes.io/name", "other"}};
    const Json deployment = b.build().deployment;
    const Json& labels = deployment["spec"]["template"]["metadata"]["labels"];
    CHECK(labels["labfleet.dev/workload"] == "intro");
    CHECK(labels["app.kubernetes.io/name"] == "intro");
}

TEST_CASE("a setting taken away makes the live Deployment differ, so it is applied again",
          "[controllers][desired][pod]") {
    Built b;
    set_pod_settings(b);
    const Json live = b.build().deployment;  // as applied before: every setting present
    CHECK(is_in_sync(live, live));

    b.t.spec.pod.node_selector.clear();
    const Json fewer = b.build().deployment;
    CHECK(first_difference(fewer, live) == "metadata.annotations.labfleet.dev/pod-settings-hash");

    b.t.spec.pod.tolerations.clear();
    b.w.spec.pod.labels.clear();
    CHECK(first_difference(b.build().deployment, live).has_value());

    b.t.spec.pod = {};
    b.w.spec.pod = {};
    const Json none = b.build().deployment;
    CHECK(first_difference(none, live) == "metadata.annotations.labfleet.dev/pod-settings-hash");
}

TEST_CASE("pod settings that conflict across target and workload are reported", "[controllers][desired][pod]") {
    Built b;
    b.t.spec.pod.resources.limits = {{"memory", quantity("128Mi")}};
    b.w.spec.pod.resources.requests = {{"memory", quantity("256Mi")}};
    CHECK(b.build().pod_settings_conflicts ==
          std::vector<std::string>{"spec.pod.resources.requests.memory 256Mi of Workload intro exceeds "
                                   "spec.pod.resources.limits.memory 128Mi of DeploymentTarget qa-1"});
}

TEST_CASE("the unread fields dropped from cached children are none of the pod settings", "[controllers][desired][pod]") {
    Built b;
    set_pod_settings(b);
    const Json desired = b.build().deployment;
    Json live = desired;
    for (const auto& pointer : unread_child_fields().deployment) {
        INFO(pointer);
        CHECK_FALSE(desired.contains(Json::json_pointer(pointer)));
        live[Json::json_pointer(pointer)] = "filled by the server";
    }
    live = labfleet::kube::ObjectTrim(unread_child_fields().deployment).parse(live.dump(), {});
    CHECK(live["spec"]["template"]["spec"]["containers"][0]["resources"] ==
          desired["spec"]["template"]["spec"]["containers"][0]["resources"]);
    CHECK(is_in_sync(desired, live));
}
