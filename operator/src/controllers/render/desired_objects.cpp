#include "controllers/render/desired_objects.hpp"

#include "api/v1alpha1/group_version.hpp"
#include "controllers/render/config_hash.hpp"
#include "controllers/render/pod_settings_merge.hpp"

namespace labfleet::controllers {

namespace {
using kube::Json;

Json selector_labels(const api::v1alpha1::Workload& workload, const api::v1alpha1::DeploymentTarget& target) {
    return {{name_label, workload.metadata.name},
            {workload_label, workload.metadata.name},
            {target_label, target.metadata.name}};
}

Json string_map(const std::map<std::string, std::string>& map) {
    Json out = Json::object();
    for (const auto& [key, value] : map) out[key] = value;
    return out;
}

Json metadata(const std::string& name, const api::v1alpha1::Workload& workload,
              const api::v1alpha1::DeploymentTarget& target, const std::string& installation) {
    Json owner = {{"apiVersion", api::v1alpha1::api_version},
                  {"kind", "Workload"},
                  {"name", workload.metadata.name},
                  {"controller", true},
                  {"blockOwnerDeletion", true}};
    if (!workload.metadata.uid.empty()) owner["uid"] = workload.metadata.uid;
    Json out = {{"name", name}, {"namespace", target.spec.target_namespace}, {"labels", child_labels(workload, target)}};
    if (target.cluster().empty()) {
        out["ownerReferences"] = Json::array({owner});
    } else {
        // An ownerReference cannot cross clusters: the uid travels as a label.
        if (!workload.metadata.uid.empty()) out["labels"][workload_uid_label] = workload.metadata.uid;
        if (!installation.empty()) out["labels"][installation_label] = installation;
    }
    return out;
}
} // namespace

Json child_labels(const api::v1alpha1::Workload& workload, const api::v1alpha1::DeploymentTarget& target) {
    Json labels = selector_labels(workload, target);
    labels[managed_by_label] = managed_by_value;
    return labels;
}

const UnreadChildFields& unread_child_fields() {
    static const UnreadChildFields fields = [] {
        const std::string pod = "/spec/template/spec";
        const std::string container = pod + "/containers/0";
        const std::string probe = container + "/readinessProbe";
        UnreadChildFields out;
        out.config_map = {"/metadata/creationTimestamp"};
        out.deployment = {"/metadata/creationTimestamp",
                          "/spec/progressDeadlineSeconds",
                          "/spec/revisionHistoryLimit",
                          "/spec/strategy",
                          pod + "/dnsPolicy",
                          pod + "/restartPolicy",
                          pod + "/schedulerName",
                          pod + "/terminationGracePeriodSeconds",
                          container + "/imagePullPolicy",
                          container + "/terminationMessagePath",
                          container + "/terminationMessagePolicy",
                          probe + "/failureThreshold",
                          probe + "/successThreshold",
                          probe + "/timeoutSeconds",
                          probe + "/httpGet/scheme"};
        // Of the status conditions only type, status and reason are read (a
        // promotion fails on Progressing=False ProgressDeadlineExceeded); a
        // Deployment has at most three (Available, Progressing, ReplicaFailure).
        for (int i = 0; i < 3; ++i)
            for (const char* field : {"message", "lastUpdateTime", "lastTransitionTime"})
                out.deployment.push_back("/status/conditions/" + std::to_string(i) + "/" + field);
        out.service = {"/metadata/creationTimestamp", "/spec/clusterIP",      "/spec/clusterIPs",
                       "/spec/internalTrafficPolicy", "/spec/ipFamilies",     "/spec/ipFamilyPolicy",
                       "/spec/sessionAffinity",       "/spec/type",           "/status"};
        return out;
    }();
    return fields;
}

RenderedWorkshop render_workshop_of(const api::v1alpha1::Workload& workload,
                                    const api::v1alpha1::DeploymentTarget& target, const ResolvedImages& images) {
    return render_workshop(
        workload.spec.workshop,
        {target.spec.registry, images.files.tag, images.workshop_image, images.files_image, target.spec.environment});
}

DesiredObjects build_desired_objects(const api::v1alpha1::Workload& workload,
                                     const api::v1alpha1::DeploymentTarget& target, const ResolvedImages& images,
                                     const std::string& installation) {
    const std::string& name = workload.metadata.name;
    const std::string files_name = files_object_name(name);
    const int port = workload.spec.images.files.port;

    const RenderedWorkshop rendered = render_workshop_of(workload, target, images);

    DesiredObjects out;
    out.config_hash = sha256_hex(rendered.yaml);
    for (const auto& use : rendered.unknown_at)
        out.unknown_placeholders.push_back(use.placeholder + " in spec.workshop" + (use.field.empty() ? "" : ".") +
                                           use.field);

    out.config_map = {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata", metadata(name + "-workshop", workload, target, installation)},
                      {"data", {{workshop_config_key, rendered.yaml}}}};

    const api::v1alpha1::PodSettings settings = merge_pod_settings(target.spec.pod, workload.spec.pod);
    out.pod_settings_conflicts = pod_settings_conflicts(workload, target, settings);
    const Json settings_json = to_json(settings);

    // Labfleet's own labels and annotation go in last: they win (validation
    // refuses settings that name them anyway).
    Json pod_labels = string_map(settings.labels);
    pod_labels.update(child_labels(workload, target));
    Json pod_annotations = string_map(settings.annotations);
    pod_annotations[config_hash_annotation] = out.config_hash;

    const Json container_security = {{"allowPrivilegeEscalation", false},
                                     {"capabilities", {{"drop", Json::array({"ALL"})}}},
                                     {"readOnlyRootFilesystem", true},
                                     {"runAsNonRoot", true},
                                     {"seccompProfile", {{"type", "RuntimeDefault"}}}};
    Json container = {
        {"name", "files"},
        {"image", images.files_image},
        {"ports", Json::array({{{"name", "http"}, {"containerPort", port}, {"protocol", "TCP"}}})},
        // Probed every 2 s, not the default 10: a first probe that comes before the server
        // listens would otherwise keep a new pod (a lease's page) out of the Service for 10 s.
        {"readinessProbe", {{"httpGet", {{"path", "/"}, {"port", port}}}, {"periodSeconds", 2}}},
        {"securityContext", container_security}};
    if (settings_json.contains("resources")) container["resources"] = settings_json["resources"];

    Json pod_security = {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}};
    if (settings.run_as_user) pod_security["runAsUser"] = *settings.run_as_user;
    if (settings.run_as_group) pod_security["runAsGroup"] = *settings.run_as_group;
    Json pod_spec = {{"automountServiceAccountToken", false},
                     {"securityContext", std::move(pod_security)},
                     {"containers", Json::array({container})}};
    for (const char* field : {"imagePullSecrets", "nodeSelector", "tolerations", "priorityClassName"})
        if (settings_json.contains(field)) pod_spec[field] = settings_json[field];

    Json deployment_metadata = metadata(files_name, workload, target, installation);
    // Null when there are no settings: an absent live annotation is in sync
    // (no write for Deployments made before pod settings existed), a present
    // one is a change to apply, without it (nulls are never sent).
    deployment_metadata["annotations"] = {
        {pod_settings_hash_annotation, settings.empty() ? Json(nullptr) : Json(sha256_hex(settings_json.dump()))},
        {workshop_tag_annotation, workload.spec.promotion ? Json(images.workshop.tag) : Json(nullptr)},
        {files_tag_annotation, workload.spec.promotion ? Json(images.files.tag) : Json(nullptr)}};
    out.deployment = {
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", std::move(deployment_metadata)},
        {"spec",
         {{"replicas", workload.spec.suspend ? 0 : workload.spec.replicas},
          {"selector", {{"matchLabels", selector_labels(workload, target)}}},
          {"template",
           {{"metadata", {{"labels", std::move(pod_labels)}, {"annotations", std::move(pod_annotations)}}},
            {"spec", std::move(pod_spec)}}}}}};

    out.service = {
        {"apiVersion", "v1"},
        {"kind", "Service"},
        {"metadata", metadata(files_name, workload, target, installation)},
        {"spec",
         {{"selector", selector_labels(workload, target)},
          {"ports", Json::array({{{"name", "http"}, {"port", port}, {"targetPort", port}, {"protocol", "TCP"}}})}}}};
    return out;
}

} // namespace labfleet::controllers
