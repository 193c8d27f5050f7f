#include "plugin/promotion_approval.hpp"

#include <algorithm>

#include "api/v1alpha1/promotion.hpp"
#include "kube/json/json_fields.hpp"
#include "plugin/views.hpp"

namespace labfleet::plugin {
namespace {

/// Names listed in a refusal, at most; the CRD allows 8 environments.
constexpr std::size_t listed_names = 8;
/// Bytes of a name or tag quoted in a message.
constexpr std::size_t quoted_bytes = 128;

const kube::Json* member(const kube::Json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    const auto found = object.find(key);
    return found == object.end() ? nullptr : &*found;
}

/// The string members of `list` (an array), others skipped.
std::vector<std::string> strings_of(const kube::Json* list) {
    std::vector<std::string> out;
    if (!list || !list->is_array()) return out;
    for (const auto& item : *list)
        if (item.is_string()) out.push_back(item.get<std::string>());
    return out;
}

std::string tag_of(const kube::Json& entry, const char* image) {
    const kube::Json* image_json = member(entry, image);
    return image_json ? kube::string_field(*image_json, "tag") : "";
}

std::string listing(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < listed_names; ++i)
        out += (i ? ", " : "") + printable(names[i], quoted_bytes);
    if (names.size() > listed_names) out += ", and " + std::to_string(names.size() - listed_names) + " more";
    return out.empty() ? "none" : out;
}

} // namespace

std::string promotion_version(const std::string& workshop_tag, const std::string& files_tag) {
    return api::v1alpha1::to_string(
        api::v1alpha1::Version{workshop_tag.empty() ? "?" : workshop_tag, files_tag.empty() ? "?" : files_tag});
}

ApprovalPlan plan_approval(const kube::Json& workload, const std::string& environment) {
    const std::string name = printable(kube::string_at(workload, "/metadata/name"), quoted_bytes);
    const std::string env = printable(environment, quoted_bytes);
    const kube::Json* spec = member(workload, "spec");
    const kube::Json* promotion = spec ? member(*spec, "promotion") : nullptr;
    if (!promotion || !promotion->is_object())
        return ApprovalRefused{"workload " + name +
                               " has no spec.promotion: there is nothing to approve (see docs/promotion.md)"};

    const auto environments = strings_of(member(*promotion, "environments"));
    if (std::ranges::find(environments, environment) == environments.end())
        return ApprovalRefused{"environment " + env + " is not in spec.promotion.environments of workload " + name +
                               " (" + listing(environments) + ")"};

    const kube::Json* candidate = member(*promotion, "candidate");
    const std::string workshop_tag = candidate ? tag_of(*candidate, "workshop") : "";
    const std::string files_tag = candidate ? tag_of(*candidate, "files") : "";
    if (workshop_tag.empty() || files_tag.empty())
        return ApprovalRefused{"spec.promotion.candidate of workload " + name +
                               " lacks its workshop or files tag: there is no version to approve"};
    const std::string version = promotion_version(workshop_tag, files_tag);

    const std::string resource_version = kube::string_at(workload, "/metadata/resourceVersion");
    if (resource_version.empty())
        return ApprovalRefused{"workload " + name +
                               " came without metadata.resourceVersion: cannot guard the approval against a "
                               "concurrent change"};

    kube::Json approvals = kube::Json::array();
    std::vector<std::string> replaced;
    if (const kube::Json* existing = member(*promotion, "approvals"); existing && existing->is_array()) {
        for (const auto& entry : *existing) {
            if (!entry.is_object() || kube::string_field(entry, "environment") != environment) {
                approvals.push_back(entry);  // not ours to judge: kept verbatim
                continue;
            }
            const std::string workshop = tag_of(entry, "workshop");
            const std::string files = tag_of(entry, "files");
            if (workshop == workshop_tag && files == files_tag) return AlreadyApproved{printable(version, quoted_bytes)};
            replaced.push_back(printable(promotion_version(workshop, files), quoted_bytes));
        }
    }
    if (approvals.size() >= max_approvals)
        return ApprovalRefused{"spec.promotion.approvals of workload " + name + " holds " +
                               std::to_string(approvals.size()) + " approvals of other environments; it takes at most " +
                               std::to_string(max_approvals) + ": remove stale ones first"};
    approvals.push_back({{"environment", environment},
                         {"workshop", {{"tag", workshop_tag}}},
                         {"files", {{"tag", files_tag}}}});

    const auto required = strings_of(member(*promotion, "approvalRequired"));
    ApprovalPatch out;
    out.patch = {{"metadata", {{"resourceVersion", resource_version}}},
                 {"spec", {{"promotion", {{"approvals", std::move(approvals)}}}}}};
    out.version = printable(version, quoted_bytes);
    out.approval_required = std::ranges::find(required, environment) != required.end();
    out.replaced = std::move(replaced);
    return out;
}

} // namespace labfleet::plugin
