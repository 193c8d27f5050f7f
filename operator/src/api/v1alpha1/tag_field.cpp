#include "api/v1alpha1/tag_field.hpp"

#include "api/v1alpha1/image_tag.hpp"

namespace labfleet::api::v1alpha1 {

std::optional<std::string> decode_nested_tag(const FieldReader& parent, std::string_view key) {
    const kube::Json* object = parent.object(key);
    if (object == nullptr) return std::nullopt;
    FieldReader reader(object, parent.path_of(key), parent.state());
    return reader.required_string("tag");
}

void check_tag(std::vector<FieldError>& errors, const std::optional<std::string>& tag, std::string field) {
    if (!tag) return;
    if (auto error = tag_error(*tag)) errors.push_back({std::move(field), *error});
}

} // namespace labfleet::api::v1alpha1
