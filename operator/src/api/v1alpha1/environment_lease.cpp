#include "api/v1alpha1/environment_lease.hpp"

#include <limits>

#include "api/v1alpha1/image_tag.hpp"
#include "api/v1alpha1/tag_field.hpp"
#include "kube/meta/time_format.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
/// Characters as the CRD's maxLength counts them: UTF-8 code points, not bytes.
std::size_t code_points(std::string_view text) {
    std::size_t count = 0;
    for (char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
    return count;
}
} // namespace

std::string_view to_string(LeasePhase phase) {
    switch (phase) {
    case LeasePhase::Unset: return "";
    case LeasePhase::Pending: return "Pending";
    case LeasePhase::Active: return "Active";
    case LeasePhase::Expired: return "Expired";
    case LeasePhase::Released: return "Released";
    }
    return "";
}

kube::Result<EnvironmentLease> EnvironmentLease::from_json(const kube::Json& json) {
    DecodeState state;
    FieldReader root(&json, "", state);
    EnvironmentLease out;
    out.metadata = decode_object_meta(root);

    FieldReader spec(root.object("spec", true), "spec", state);
    out.spec.target = spec.required_string("target");
    out.spec.holder = spec.required_string("holder");
    out.spec.duration = spec.optional_duration("duration");
    for (std::size_t i = 0; const kube::Json* item : spec.array("overrides")) {
        FieldReader reader(item, index_path("spec.overrides", i++), state);
        LeaseOverride override_;
        override_.workload = reader.required_string("workload");
        override_.workshop_tag = decode_nested_tag(reader, "workshop");
        override_.files_tag = decode_nested_tag(reader, "files");
        out.spec.overrides.push_back(std::move(override_));
    }
    out.spec.base = spec.optional_string("base");
    out.spec.release = spec.bool_or("release", false);
    out.spec.reason = spec.optional_string("reason");

    FieldReader status(root.object("status"), "status", state);
    const std::string phase = status.string_or("phase", "");
    if (phase == "Pending") out.status.phase = LeasePhase::Pending;
    else if (phase == "Active") out.status.phase = LeasePhase::Active;
    else if (phase == "Expired") out.status.phase = LeasePhase::Expired;
    else if (phase == "Released") out.status.phase = LeasePhase::Released;
    else if (!phase.empty())
        state.fail("status.phase", "expected Pending, Active, Expired or Released, got \"" + phase + "\"");
    out.status.queue_position = status.integer_or("queuePosition", 0, 0, std::numeric_limits<std::int32_t>::max());
    out.status.acquired_at = status.optional_time("acquiredAt");
    out.status.expires_at = status.optional_time("expiresAt");
    out.status.released_at = status.optional_time("releasedAt");
    out.status.conditions = decode_conditions(status, "conditions");

    if (state.failed()) return to_api_error(*state.error());
    return out;
}

const LeaseOverride* EnvironmentLease::override_for(std::string_view workload) const {
    for (const auto& override_ : spec.overrides)
        if (override_.workload == workload) return &override_;
    return nullptr;
}

std::vector<FieldError> validate(const EnvironmentLease& lease) {
    std::vector<FieldError> errors;
    for (std::size_t i = 0; i < lease.spec.overrides.size(); ++i) {
        const auto& override_ = lease.spec.overrides[i];
        const std::string item = index_path("spec.overrides", i);
        if (!override_.workshop_tag && !override_.files_tag)
            errors.push_back({item, "at least one of workshop.tag or files.tag must be set"});
        check_tag(errors, override_.workshop_tag, item + ".workshop.tag");
        check_tag(errors, override_.files_tag, item + ".files.tag");
    }
    if (lease.spec.base)
        if (auto error = channel_error(*lease.spec.base)) errors.push_back({"spec.base", *error});
    if (lease.spec.reason && code_points(*lease.spec.reason) > 256)
        errors.push_back({"spec.reason", "must be at most 256 characters"});
    return errors;
}

kube::Json to_json(const EnvironmentLeaseStatus& status) {
    kube::Json out = {{"queuePosition", status.queue_position}, {"conditions", to_json(status.conditions)}};
    if (status.phase != LeasePhase::Unset) out["phase"] = std::string(to_string(status.phase));
    if (status.acquired_at) out["acquiredAt"] = kube::format_rfc3339(*status.acquired_at);
    if (status.expires_at) out["expiresAt"] = kube::format_rfc3339(*status.expires_at);
    if (status.released_at) out["releasedAt"] = kube::format_rfc3339(*status.released_at);
    return out;
}

} // namespace labfleet::api::v1alpha1
