#include "api/v1alpha1/deployment_target.hpp"

#include <limits>

#include "api/v1alpha1/duration.hpp"
#include "api/v1alpha1/image_tag.hpp"
#include "api/v1alpha1/names.hpp"
#include "kube/meta/time_format.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
constexpr std::int64_t max_int = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t max_generation = std::numeric_limits<std::int64_t>::max();
} // namespace

kube::Result<DeploymentTarget> DeploymentTarget::from_json(const kube::Json& json) {
    DecodeState state;
    FieldReader root(&json, "", state);
    DeploymentTarget out;
    out.metadata = decode_object_meta(root);

    FieldReader spec(root.object("spec", true), "spec", state);
    out.spec.environment = spec.required_string("environment");
    out.spec.target_namespace = spec.required_string("namespace");
    if (const kube::Json* cluster = spec.object("cluster")) {
        FieldReader ref(cluster, "spec.cluster", state);
        out.spec.cluster = ClusterRef{ref.required_string("name")};
    }
    out.spec.registry = spec.string_or("registry", "");
    out.spec.channel = spec.string_or("channel", "prod");
    FieldReader leases(spec.object("leases"), "spec.leases", state);
    LeaseSettings defaults;
    out.spec.leases.default_duration = leases.optional_duration("defaultDuration").value_or(defaults.default_duration);
    out.spec.leases.max_duration = leases.optional_duration("maxDuration").value_or(defaults.max_duration);
    out.spec.leases.notify_before = leases.optional_duration("notifyBefore").value_or(defaults.notify_before);
    out.spec.paused = spec.bool_or("paused", false);
    out.spec.pod = decode_pod_settings(spec, "pod");

    FieldReader status(root.object("status"), "status", state);
    out.status.observed_generation = status.integer_or("observedGeneration", 0, 0, max_generation);
    out.status.conditions = decode_conditions(status, "conditions");
    out.status.workloads = status.integer_or("workloads", 0, 0, max_int);
    if (const kube::Json* active = status.object("activeLease")) {
        FieldReader lease(active, "status.activeLease", state);
        out.status.active_lease = ActiveLeaseRef{lease.string_or("name", ""), lease.string_or("holder", ""),
                                                 lease.optional_time("expiresAt")};
    }
    out.status.pending_leases = status.integer_or("pendingLeases", 0, 0, max_int);
    out.status.cluster_uid = status.string_or("clusterUID", "");

    if (state.failed()) return to_api_error(*state.error());
    return out;
}

std::vector<FieldError> validate(const DeploymentTarget& target) {
    std::vector<FieldError> errors;
    const auto& spec = target.spec;
    if (!is_dns_label(spec.environment))
        errors.push_back({"spec.environment", "must be a DNS label (lowercase a-z, 0-9, '-', at most 63)"});
    if (spec.cluster && !is_dns_subdomain(spec.cluster->name))
        errors.push_back({"spec.cluster.name", "must be a Secret name (an RFC 1123 subdomain, at most 253)"});
    if (!is_dns_label(spec.target_namespace))
        errors.push_back({"spec.namespace", "must be a DNS label (lowercase a-z, 0-9, '-', at most 63)"});
    if (auto error = channel_error(spec.channel)) errors.push_back({"spec.channel", *error});
    if (spec.registry.find("://") != std::string::npos)
        errors.push_back({"spec.registry", "must be a host[:port][/path] without a scheme"});
    if (spec.leases.default_duration > spec.leases.max_duration)
        errors.push_back({"spec.leases.defaultDuration", "must not exceed maxDuration (" +
                                                              format_duration(spec.leases.max_duration) + ")"});
    if (spec.leases.notify_before >= spec.leases.max_duration)
        errors.push_back({"spec.leases.notifyBefore", "must be shorter than maxDuration (" +
                                                          format_duration(spec.leases.max_duration) + ")"});
    validate_pod_settings(errors, spec.pod, "spec.pod");
    return errors;
}

const std::string& DeploymentTarget::cluster() const {
    static const std::string home;
    return spec.cluster ? spec.cluster->name : home;
}

kube::Json to_json(const DeploymentTargetStatus& status) {
    kube::Json out = {{"observedGeneration", status.observed_generation},
                      {"conditions", to_json(status.conditions)},
                      {"workloads", status.workloads},
                      {"pendingLeases", status.pending_leases}};
    if (!status.cluster_uid.empty()) out["clusterUID"] = status.cluster_uid;
    if (status.active_lease) {
        kube::Json lease = {{"name", status.active_lease->name}, {"holder", status.active_lease->holder}};
        if (status.active_lease->expires_at) lease["expiresAt"] = kube::format_rfc3339(*status.active_lease->expires_at);
        out["activeLease"] = std::move(lease);
    }
    return out;
}

} // namespace labfleet::api::v1alpha1
