#include "controllers/workshop_render.hpp"

#include <algorithm>

#include "api/v1alpha1/image_tag.hpp"
#include "controllers/yaml_convert.hpp"

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

/// `path` is where `json` sits in the definition: "a.b[2].c".
void render(kube::Json& json, const WorkshopVariables& variables, const std::string& path, RenderedWorkshop& out) {
    if (json.is_string()) {
        std::vector<std::string> unknown;
        json = substitute(json.get_ref<const std::string&>(), variables, unknown);
        for (auto& placeholder : unknown) {
            out.unknown_at.push_back({placeholder, path});
            out.unknown.push_back(std::move(placeholder));
        }
    } else if (json.is_object()) {
        for (auto& [key, child] : json.items()) render(child, variables, path.empty() ? key : path + "." + key, out);
    } else if (json.is_array()) {
        for (std::size_t i = 0; i < json.size(); ++i)
            render(json[i], variables, path + "[" + std::to_string(i) + "]", out);
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
    render(out.definition, variables, "", out);
    sort_unique(out.unknown);
    sort_unique(out.unknown_at);
    out.yaml = json_to_yaml(out.definition);
    return out;
}

} // namespace labfleet::controllers
