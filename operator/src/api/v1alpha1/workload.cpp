#include "api/v1alpha1/workload.hpp"

#include <limits>

#include "api/v1alpha1/names.hpp"
#include "api/v1alpha1/tag_field.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
constexpr std::int64_t max_generation = std::numeric_limits<std::int64_t>::max();
} // namespace

kube::Result<Workload> Workload::from_json(const kube::Json& json) {
    DecodeState state;
    FieldReader root(&json, "", state);
    Workload out;
    out.metadata = decode_object_meta(root);

    FieldReader spec(root.object("spec", true), "spec", state);
    FieldReader images(spec.object("images", true), "spec.images", state);
    FieldReader workshop(images.object("workshop", true), "spec.images.workshop", state);
    out.spec.images.workshop.repository = workshop.required_string("repository");
    out.spec.images.workshop.tag = workshop.optional_string("tag");
    FieldReader files(images.object("files", true), "spec.images.files", state);
    out.spec.images.files.repository = files.required_string("repository");
    out.spec.images.files.tag = files.optional_string("tag");
    out.spec.images.files.port = static_cast<int>(files.integer_or("port", 8080, 1, 65535));

    if (spec.has("workshop")) {
        if (const kube::Json* definition = spec.object("workshop")) out.spec.workshop = *definition;
    }
    for (std::size_t i = 0; const kube::Json* item : spec.array("overrides")) {
        FieldReader reader(item, index_path("spec.overrides", i++), state);
        WorkloadOverride override_;
        override_.environment = reader.optional_string("environment");
        override_.target = reader.optional_string("target");
        override_.workshop_tag = decode_nested_tag(reader, "workshop");
        override_.files_tag = decode_nested_tag(reader, "files");
        out.spec.overrides.push_back(std::move(override_));
    }
    out.spec.replicas = static_cast<int>(spec.integer_or("replicas", 1, 0, 100));
    out.spec.suspend = spec.bool_or("suspend", false);
    out.spec.pod = decode_pod_settings(spec, "pod");
    out.spec.promotion = decode_promotion_spec(spec);

    FieldReader status(root.object("status"), "status", state);
    out.status.observed_generation = status.integer_or("observedGeneration", 0, 0, max_generation);
    out.status.conditions = decode_conditions(status, "conditions");
    for (std::size_t i = 0; const kube::Json* item : status.array("targets")) {
        FieldReader reader(item, index_path("status.targets", i++), state);
        WorkloadTargetStatus target;
        target.name = reader.string_or("name", "");
        target.environment = reader.string_or("environment", "");
        target.workshop_image = reader.string_or("workshopImage", "");
        target.files_image = reader.string_or("filesImage", "");
        target.source = reader.string_or("source", "");
        target.ready_replicas = reader.integer_or("readyReplicas", 0, 0, std::numeric_limits<std::int32_t>::max());
        out.status.targets.push_back(std::move(target));
    }
    out.status.ready_targets = status.string_or("readyTargets", "");
    out.status.promotion = decode_promotion_status(root.object("status"));

    if (state.failed()) return to_api_error(*state.error());
    return out;
}

std::vector<FieldError> validate(const Workload& workload) {
    std::vector<FieldError> errors;
    const auto& name = workload.metadata.name;
    if (!name.empty() && (!is_dns1035_label(name) || name.size() > 57))
        errors.push_back({"metadata.name", "must be a DNS-1035 label of at most 57 characters "
                                           "(it names the <name>-files Service)"});
    const auto& images = workload.spec.images;
    check_tag(errors, images.workshop.tag, "spec.images.workshop.tag");
    check_tag(errors, images.files.tag, "spec.images.files.tag");
    for (std::size_t i = 0; i < workload.spec.overrides.size(); ++i) {
        const auto& override_ = workload.spec.overrides[i];
        const std::string base = index_path("spec.overrides", i);
        if (override_.environment.has_value() == override_.target.has_value())
            errors.push_back({base, "exactly one of environment or target must be set"});
        if (override_.environment && !is_dns_label(*override_.environment))
            errors.push_back({base + ".environment", "must be a DNS label"});
        if (override_.target && override_.target->empty())
            errors.push_back({base + ".target", "must not be empty"});
        if (!override_.workshop_tag && !override_.files_tag)
            errors.push_back({base, "at least one of workshop.tag or files.tag must be set"});
        check_tag(errors, override_.workshop_tag, base + ".workshop.tag");
        check_tag(errors, override_.files_tag, base + ".files.tag");
    }
    if (!workload.spec.workshop.is_object()) errors.push_back({"spec.workshop", "expected object"});
    validate_pod_settings(errors, workload.spec.pod, "spec.pod");
    if (workload.spec.promotion) validate_promotion(errors, *workload.spec.promotion);
    return errors;
}

kube::Json to_json(const WorkloadStatus& status) {
    kube::Json targets = kube::Json::array();
    for (const auto& target : status.targets) {
        targets.push_back({{"name", target.name},
                           {"environment", target.environment},
                           {"workshopImage", target.workshop_image},
                           {"filesImage", target.files_image},
                           {"source", target.source},
                           {"readyReplicas", target.ready_replicas}});
    }
    kube::Json out = {{"observedGeneration", status.observed_generation},
                      {"conditions", to_json(status.conditions)},
                      {"targets", std::move(targets)},
                      {"readyTargets", status.ready_targets}};
    // A merge patch: null removes a record of a promotion no longer in spec.
    out["promotion"] = status.promotion ? to_json(*status.promotion) : kube::Json(nullptr);
    return out;
}

} // namespace labfleet::api::v1alpha1
