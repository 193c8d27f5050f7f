#include "controllers/render/workshop_render.hpp"

#include <algorithm>

#include "api/v1alpha1/image_tag.hpp"
#include "controllers/render/yaml_convert.hpp"

namespace labfleet::controllers {

namespace {
const std::string* lookup(std::string_view name, const WorkshopVariables& variables) {
    if (name == "REGISTRY_HOST") return &variables.registry_host;
    if (name == "IMAGE_TAG") return &variables.image_tag;
    if (name == "WORKSHOP_IMAGE") return &variables.workshop_image;
    if (name == "FILES_IMAGE") return &variables.files_image;
    if (name == "ENVIRONMENT") return &variables.environment;
    return nullptr;
}

/// One string value: substituted in place, its unknown placeholders recorded
/// at the field `path()` names (computed only when there are some).
template <class Path>
void render_string(kube::Json& json, const WorkshopVariables& variables, const Path& path, RenderedWorkshop& out) {
    std::vector<std::string> unknown;
    json = substitute(json.get_ref<const std::string&>(), variables, unknown);
    if (unknown.empty()) return;
    const std::string at = path();
    for (auto& placeholder : unknown) {
        out.unknown_at.push_back({placeholder, at});
        out.unknown.push_back(std::move(placeholder));
    }
}

/// Every string in `root`, depth-first with an explicit stack: a definition
/// may nest as deep as the API server allows, and neither the thread's stack
/// nor the memory of the paths ("a.b[2].c") may grow with the square of it.
void render(kube::Json& root, const WorkshopVariables& variables, RenderedWorkshop& out) {
    struct Open {
        kube::Json* container;
        kube::Json::iterator next;
        std::size_t index;  // of `next`, for arrays
    };
    std::vector<Open> open;
    // The field being visited: the open containers' keys and indexes.
    const auto path = [&open] {
        std::string text;
        for (const auto& level : open) {
            if (level.container->is_array()) text += "[" + std::to_string(level.index) + "]";
            else text += (text.empty() ? "" : ".") + level.next.key();
        }
        return text;
    };
    if (root.is_string()) render_string(root, variables, path, out);
    if (root.is_structured()) open.push_back({&root, root.begin(), 0});
    while (!open.empty()) {
        Open& top = open.back();
        if (top.next == top.container->end()) {
            open.pop_back();
            if (!open.empty()) {
                ++open.back().next;
                ++open.back().index;
            }
            continue;
        }
        kube::Json& child = *top.next;
        if (child.is_structured()) {
            open.push_back({&child, child.begin(), 0});  // `top` may move: not used after this
            continue;
        }
        if (child.is_string()) render_string(child, variables, path, out);
        ++top.next;
        ++top.index;
    }
}

template <typename T>
void sort_unique(std::vector<T>& list) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
}
} // namespace

std::string substitute(std::string_view text, const WorkshopVariables& variables, std::vector<std::string>& unknown) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t start = text.find("${", pos);
        if (start == std::string_view::npos) break;
        const std::size_t end = text.find('}', start + 2);
        if (end == std::string_view::npos) break;
        out.append(text.substr(pos, start - pos));
        const std::string_view name = text.substr(start + 2, end - start - 2);
        if (const std::string* value = lookup(name, variables)) {
            // `repo:${IMAGE_TAG}` must stay a valid reference when the tag is a digest: `repo@sha256:...`.
            if (name == "IMAGE_TAG" && start > pos && text[start - 1] == ':')
                out.back() = api::v1alpha1::reference_separator(*value);
            out += *value;
        } else {
            const std::string placeholder(text.substr(start, end - start + 1));
            out += placeholder;
            unknown.push_back(placeholder);
        }
        pos = end + 1;
    }
    out.append(text.substr(pos));
    return out;
}

RenderedWorkshop render_workshop(const kube::Json& workshop, const WorkshopVariables& variables) {
    RenderedWorkshop out;
    out.definition = workshop;
    render(out.definition, variables, out);
    sort_unique(out.unknown);
    sort_unique(out.unknown_at);
    out.yaml = json_to_yaml(out.definition);
    return out;
}

} // namespace labfleet::controllers
