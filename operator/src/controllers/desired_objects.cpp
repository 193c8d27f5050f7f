#include "controllers/desired_objects.hpp"

#include "api/v1alpha1/group_version.hpp"
#include "controllers/config_hash.hpp"
#include "controllers/workshop_render.hpp"

namespace labfleet::controllers {

namespace {
using kube::Json;

Json selector_labels(const api::v1alpha1::Workload& workload, const api::v1alpha1::DeploymentTarget& target) {
    return {{name_label, workload.metadata.name},
            {workload_label, workload.metadata.name},
            {target_label, target.metadata.name}};
}

Json metadata(const std::string& name, const api::v1alpha1::Workload& workload,
              const api::v1alpha1::DeploymentTarget& target) {
    Json owner = {{"apiVersion", api::v1alpha1::api_version},
                  {"kind", "Workload"},
                  {"name", workload.metadata.name},
                  {"controller", true},
                  {"blockOwnerDeletion", true}};
    if (!workload.metadata.uid.empty()) owner["uid"] = workload.metadata.uid;
    return {{"name", name},
            {"namespace", target.spec.target_namespace},
            {"labels", child_labels(workload, target)},
            {"ownerReferences", Json::array({owner})}};
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
                          container + "/resources",
                          container + "/terminationMessagePath",
                          container + "/terminationMessagePolicy",
                          probe + "/failureThreshold",
                          probe + "/periodSeconds",
                          probe + "/successThreshold",
                          probe + "/timeoutSeconds",
                          probe + "/httpGet/scheme",
                          "/status/conditions"};
        out.service = {"/metadata/creationTimestamp", "/spec/clusterIP",      "/spec/clusterIPs",
                       "/spec/internalTrafficPolicy", "/spec/ipFamilies",     "/spec/ipFamilyPolicy",
                       "/spec/sessionAffinity",       "/spec/type",           "/status"};
        return out;
    }();
    return fields;
}

DesiredObjects build_desired_objects(const api::v1alpha1::Workload& workload,
                                     const api::v1alpha1::DeploymentTarget& target, const ResolvedImages& images) {
    const std::string& name = workload.metadata.name;
    const std::string files_name = name + "-files";
    const int port = workload.spec.images.files.port;

    const RenderedWorkshop rendered = render_workshop(
        workload.spec.workshop,
        {target.spec.registry, images.files.tag, images.workshop_image, images.files_image, target.spec.environment});

    DesiredObjects out;
    out.config_hash = sha256_hex(rendered.yaml);
    out.unknown_placeholders = rendered.unknown;

    out.config_map = {{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata", metadata(name + "-workshop", workload, target)},
                      {"data", {{"workshop.yaml", rendered.yaml}}}};

    Json pod_labels = child_labels(workload, target);
    const Json container_security = {{"allowPrivilegeEscalation", false},
                                     {"capabilities", {{"drop", Json::array({"ALL"})}}},
                                     {"readOnlyRootFilesystem", true},
                                     {"runAsNonRoot", true},
                                     {"seccompProfile", {{"type", "RuntimeDefault"}}}};
    Json container = {
        {"name", "files"},
        {"image", images.files_image},
        {"ports", Json::array({{{"name", "http"}, {"containerPort", port}, {"protocol", "TCP"}}})},
        {"readinessProbe", {{"httpGet", {{"path", "/"}, {"port", port}}}}},
        {"securityContext", container_security}};
    out.deployment = {
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", metadata(files_name, workload, target)},
        {"spec",
         {{"replicas", workload.spec.suspend ? 0 : workload.spec.replicas},
          {"selector", {{"matchLabels", selector_labels(workload, target)}}},
          {"template",
           {{"metadata", {{"labels", pod_labels}, {"annotations", {{config_hash_annotation, out.config_hash}}}}},
            {"spec",
             {{"automountServiceAccountToken", false},
              {"securityContext", {{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
              {"containers", Json::array({container})}}}}}}}};

    out.service = {
        {"apiVersion", "v1"},
        {"kind", "Service"},
        {"metadata", metadata(files_name, workload, target)},
        {"spec",
         {{"selector", selector_labels(workload, target)},
          {"ports", Json::array({{{"name", "http"}, {"port", port}, {"targetPort", port}, {"protocol", "TCP"}}})}}}};
    return out;
}

} // namespace labfleet::controllers
