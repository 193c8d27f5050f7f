#pragma once
// Workshop rendering: the free-form workshop definition with its ${...}
// placeholders filled in for one (workload, target), as YAML for the
// ConfigMap.

#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "kube/json/json.hpp"

namespace labfleet::controllers {

struct WorkshopVariables {
    std::string registry_host;   // ${REGISTRY_HOST}: target.spec.registry
    std::string image_tag;       // ${IMAGE_TAG}: the resolved files tag or digest, as given
    std::string workshop_image;  // ${WORKSHOP_IMAGE}
    std::string files_image;     // ${FILES_IMAGE}
    std::string environment;     // ${ENVIRONMENT}: target.spec.environment
};

/// A placeholder and the string holding it: `field` is its path inside the
/// workshop definition, "session.env[0].value" ("" for a top-level string).
struct PlaceholderUse {
    std::string placeholder;
    std::string field;
    friend auto operator<=>(const PlaceholderUse&, const PlaceholderUse&) = default;
};

struct RenderedWorkshop {
    kube::Json definition;                    // the substituted JSON
    std::string yaml;                         // its YAML, keys sorted
    std::vector<std::string> unknown;         // "${X}" left as is: sorted, unique
    std::vector<PlaceholderUse> unknown_at;   // each unknown one with its field: sorted, unique
};

/// Replaces the five placeholders in every string value (keys untouched) in
/// one pass: substituted text is not scanned again. Any other ${NAME} is
/// kept verbatim and reported in `unknown`; a "${" without "}" is plain text.
/// ${IMAGE_TAG} written right after a ':' (`repo:${IMAGE_TAG}`) takes that
/// separator with it: a digest renders `repo@sha256:...`, a valid reference;
/// anywhere else it is the tag or digest as given.
RenderedWorkshop render_workshop(const kube::Json& workshop, const WorkshopVariables& variables);

/// The substitution on one string; unknown placeholders are appended.
std::string substitute(std::string_view text, const WorkshopVariables& variables,
                       std::vector<std::string>& unknown);

} // namespace labfleet::controllers
