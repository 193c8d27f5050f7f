#include "controllers/render/tag_resolution.hpp"

#include "controllers/render/image_ref.hpp"

namespace labfleet::controllers {

namespace {
template <class Override>
const std::optional<std::string>& tag_of(const Override& override_, ImageKind kind) {
    return kind == ImageKind::Workshop ? override_.workshop_tag : override_.files_tag;
}
} // namespace

ResolvedTag resolve_tag(const api::v1alpha1::Workload& workload, const api::v1alpha1::DeploymentTarget& target,
                        ImageKind kind, const api::v1alpha1::EnvironmentLease* active_lease,
                        const api::v1alpha1::Version* promoted) {
    const std::string& workload_name = workload.metadata.name;
    if (active_lease != nullptr && active_lease->spec.target == target.metadata.name) {
        for (const auto& override_ : active_lease->spec.overrides) {
            if (override_.workload == workload_name && tag_of(override_, kind))
                return {*tag_of(override_, kind), "lease/" + active_lease->metadata.name};
        }
        if (active_lease->spec.base) return {*active_lease->spec.base, "lease-base/" + active_lease->metadata.name};
    }
    for (const auto& override_ : workload.spec.overrides) {
        if (override_.target == target.metadata.name && tag_of(override_, kind))
            return {*tag_of(override_, kind), "target"};
    }
    for (const auto& override_ : workload.spec.overrides) {
        if (override_.environment == target.spec.environment && tag_of(override_, kind))
            return {*tag_of(override_, kind), "environment"};
    }
    if (promoted != nullptr) return {kind == ImageKind::Workshop ? promoted->workshop_tag : promoted->files_tag, "promoted"};
    const auto& pinned = kind == ImageKind::Workshop ? workload.spec.images.workshop.tag : workload.spec.images.files.tag;
    if (pinned) return {*pinned, "pinned"};
    return {target.spec.channel, "channel"};
}

int source_rank(const std::string& source) {
    if (source.starts_with("lease/")) return 0;
    if (source.starts_with("lease-base/")) return 1;
    if (source == "target") return 2;
    if (source == "environment") return 3;
    if (source == "promoted") return 4;
    if (source == "pinned") return 5;
    return 6;
}

ResolvedImages resolve_images(const api::v1alpha1::Workload& workload, const api::v1alpha1::DeploymentTarget& target,
                              const api::v1alpha1::EnvironmentLease* active_lease,
                              const api::v1alpha1::Version* promoted) {
    ResolvedImages out;
    out.workshop = resolve_tag(workload, target, ImageKind::Workshop, active_lease, promoted);
    out.files = resolve_tag(workload, target, ImageKind::Files, active_lease, promoted);
    const auto& images = workload.spec.images;
    out.workshop_image = image_ref(target.spec.registry, images.workshop.repository, out.workshop.tag);
    out.files_image = image_ref(target.spec.registry, images.files.repository, out.files.tag);
    out.source = source_rank(out.files.source) < source_rank(out.workshop.source) ? out.files.source
                                                                                   : out.workshop.source;
    return out;
}

} // namespace labfleet::controllers
