#include "controllers/workshop_render.hpp"

#include <algorithm>

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

void render(kube::Json& json, const WorkshopVariables& variables, std::vector<std::string>& unknown) {
    if (json.is_string()) {
        json = substitute(json.get_ref<const std::string&>(), variables, unknown);
    } else if (json.is_object() || json.is_array()) {
        for (auto& child : json) render(child, variables, unknown);
    }
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
    render(out.definition, variables, out.unknown);
    std::sort(out.unknown.begin(), out.unknown.end());
    out.unknown.erase(std::unique(out.unknown.begin(), out.unknown.end()), out.unknown.end());
    out.yaml = json_to_yaml(out.definition);
    return out;
}

} // namespace labfleet::controllers
