#include "api/v1alpha1/promotion.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "api/v1alpha1/names.hpp"
#include "api/v1alpha1/tag_field.hpp"
#include "kube/meta/time_format.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
constexpr std::array<std::string_view, 5> phase_names = {"Promoting", "AwaitingApproval", "Blocked", "Failed",
                                                         "Complete"};
constexpr std::array<std::string_view, 8> state_names = {"Pending", "RollingOut",       "Soaking", "Passed",
                                                         "AwaitingApproval", "Blocked", "Failed",  "Served"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_enum(const std::array<std::string_view, N>& names, std::string_view text) {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == text) return static_cast<Enum>(i);
    return std::nullopt;
}

/// `{workshop: {tag}, files: {tag}}`, both required.
Version decode_spec_version(const FieldReader& reader) {
    FieldReader workshop(reader.object("workshop", true), reader.path_of("workshop"), reader.state());
    FieldReader files(reader.object("files", true), reader.path_of("files"), reader.state());
    return {workshop.required_string("tag"), files.required_string("tag")};
}

/// `{workshopTag, filesTag}` as status writes it.
Version decode_status_version(const FieldReader& reader) {
    return {reader.required_string("workshopTag"), reader.required_string("filesTag")};
}

kube::Json to_json(const Version& version) {
    return {{"workshopTag", version.workshop_tag}, {"filesTag", version.files_tag}};
}
} // namespace

std::string to_string(const Version& version) {
    if (version.workshop_tag == version.files_tag) return version.workshop_tag;
    return version.workshop_tag + "/" + version.files_tag;
}

std::string_view to_string(PromotionPhase phase) { return phase_names.at(static_cast<std::size_t>(phase)); }
std::string_view to_string(EnvironmentState state) { return state_names.at(static_cast<std::size_t>(state)); }

bool PromotionSpec::needs_approval(std::string_view environment) const {
    return std::ranges::find(approval_required, environment) != approval_required.end();
}

bool PromotionSpec::approved(std::string_view environment, const Version& version) const {
    return std::ranges::any_of(approvals, [&](const PromotionApproval& approval) {
        return approval.environment == environment && approval.version == version;
    });
}

std::optional<PromotionSpec> decode_promotion_spec(const FieldReader& spec) {
    const kube::Json* object = spec.object("promotion");
    if (object == nullptr) return std::nullopt;
    FieldReader reader(object, spec.path_of("promotion"), spec.state());
    PromotionSpec out;
    if (!reader.has("environments")) reader.state().fail(reader.path_of("environments"), "required field is missing");
    out.environments = reader.string_list("environments");
    FieldReader candidate(reader.object("candidate", true), reader.path_of("candidate"), reader.state());
    out.candidate = decode_spec_version(candidate);
    if (auto soak = reader.optional_duration("soak")) out.soak = *soak;
    if (auto deadline = reader.optional_duration("deadline")) out.deadline = *deadline;
    out.approval_required = reader.string_list("approvalRequired");
    for (std::size_t i = 0; const kube::Json* item : reader.array("approvals")) {
        FieldReader approval(item, index_path(reader.path_of("approvals"), i++), reader.state());
        PromotionApproval entry;
        entry.environment = approval.required_string("environment");
        entry.version = decode_spec_version(approval);
        out.approvals.push_back(std::move(entry));
    }
    return out;
}

std::optional<PromotionStatus> decode_promotion_status(const kube::Json* status) {
    if (status == nullptr || !status->is_object()) return std::nullopt;
    const auto found = status->find("promotion");
    if (found == status->end() || found->is_null()) return std::nullopt;
    DecodeState state;
    FieldReader reader(&*found, "status.promotion", state);
    PromotionStatus out;
    FieldReader candidate(reader.object("candidate", true), "status.promotion.candidate", state);
    out.candidate = decode_status_version(candidate);
    const auto phase = parse_enum<PromotionPhase>(phase_names, reader.string_or("phase", ""));
    out.phase = phase.value_or(PromotionPhase::Promoting);
    out.summary = reader.string_or("summary", "");
    out.message = reader.string_or("message", "");
    for (std::size_t i = 0; const kube::Json* item : reader.array("environments")) {
        FieldReader environment(item, index_path("status.promotion.environments", i++), state);
        EnvironmentPromotion entry;
        entry.name = environment.required_string("name");
        // No tags: the environment was given no version yet.
        entry.version = {environment.string_or("workshopTag", ""), environment.string_or("filesTag", "")};
        if (entry.version.workshop_tag.empty() != entry.version.files_tag.empty())
            state.fail(environment.path(), "workshopTag and filesTag go together");
        entry.since = environment.optional_time("since").value_or(kube::WallTime{});
        const auto env_state = parse_enum<EnvironmentState>(state_names, environment.string_or("state", "Pending"));
        if (!env_state) state.fail(environment.path_of("state"), "unknown state");
        entry.state = env_state.value_or(EnvironmentState::Pending);
        entry.served_since = environment.optional_time("servedSince");
        entry.dropped_at = environment.optional_time("droppedAt");
        entry.message = environment.string_or("message", "");
        out.environments.push_back(std::move(entry));
    }
    if (!phase || state.failed()) return std::nullopt;
    return out;
}

void validate_promotion(std::vector<FieldError>& errors, const PromotionSpec& spec) {
    const std::string base = "spec.promotion";
    if (spec.environments.empty() || spec.environments.size() > max_promotion_environments)
        errors.push_back({base + ".environments", "must list 1 to " + std::to_string(max_promotion_environments) +
                                                      " environments"});
    std::set<std::string> seen;
    for (std::size_t i = 0; i < spec.environments.size(); ++i) {
        const auto& name = spec.environments[i];
        if (!is_dns_label(name)) errors.push_back({index_path(base + ".environments", i), "must be a DNS label"});
        else if (!seen.insert(name).second)
            errors.push_back({index_path(base + ".environments", i), "\"" + name + "\" is listed twice"});
    }
    check_tag(errors, spec.candidate.workshop_tag, base + ".candidate.workshop.tag");
    check_tag(errors, spec.candidate.files_tag, base + ".candidate.files.tag");
    for (std::size_t i = 0; i < spec.approval_required.size(); ++i)
        if (!seen.contains(spec.approval_required[i]))
            errors.push_back({index_path(base + ".approvalRequired", i),
                              "\"" + spec.approval_required[i] + "\" is not in spec.promotion.environments"});
    if (spec.approvals.size() > max_promotion_approvals)
        errors.push_back({base + ".approvals", "must list at most " + std::to_string(max_promotion_approvals)});
    for (std::size_t i = 0; i < spec.approvals.size(); ++i) {
        const std::string path = index_path(base + ".approvals", i);
        check_tag(errors, spec.approvals[i].version.workshop_tag, path + ".workshop.tag");
        check_tag(errors, spec.approvals[i].version.files_tag, path + ".files.tag");
    }
}

kube::Json to_json(const PromotionStatus& status) {
    kube::Json environments = kube::Json::array();
    for (const auto& environment : status.environments) {
        kube::Json entry = {{"name", environment.name}};
        if (!environment.version.workshop_tag.empty()) {
            entry.update(to_json(environment.version));
            entry["since"] = kube::format_rfc3339(environment.since);
        }
        entry["state"] = std::string(to_string(environment.state));
        if (environment.served_since) entry["servedSince"] = kube::format_rfc3339(*environment.served_since);
        if (environment.dropped_at) entry["droppedAt"] = kube::format_rfc3339(*environment.dropped_at);
        if (!environment.message.empty()) entry["message"] = environment.message;
        environments.push_back(std::move(entry));
    }
    return {{"candidate", to_json(status.candidate)},
            {"phase", std::string(to_string(status.phase))},
            {"summary", status.summary},
            {"message", status.message},
            {"environments", std::move(environments)}};
}

} // namespace labfleet::api::v1alpha1
