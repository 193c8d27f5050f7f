#include "controllers/render/image_ref.hpp"

#include "api/v1alpha1/image_tag.hpp"

namespace labfleet::controllers {

std::string image_ref(std::string_view registry, std::string_view repository, std::string_view tag) {
    while (!registry.empty() && registry.back() == '/') registry.remove_suffix(1);
    if (!registry.empty())
        while (!repository.empty() && repository.front() == '/') repository.remove_prefix(1);
    std::string out;
    if (!registry.empty()) {
        out += registry;
        out += '/';
    }
    out += repository;
    out += api::v1alpha1::reference_separator(tag);
    out += tag;
    return out;
}

} // namespace labfleet::controllers
