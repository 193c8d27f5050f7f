#include "kube/cache/list_page.hpp"

#include "kube/cache/watch_event.hpp"

namespace labfleet::kube {

Result<ListPage> parse_list_page(std::string_view body, const ResourceType& type, const ObjectTrim& trim) {
    static const std::vector<std::string_view> items_at{"items", "*"};
    Json list = trim.parse(body, items_at);
    if (!list.is_object()) return decode_error("list page", "not a JSON object");
    auto metadata = list.find("metadata");
    if (metadata == list.end() || !metadata->is_object()) return decode_error("list page", "no metadata");

    ListPage page;
    auto resource_version = metadata->find("resourceVersion");
    if (resource_version == metadata->end() || !resource_version->is_string() ||
        resource_version->get_ref<const std::string&>().empty())
        return decode_error("list page", "no metadata.resourceVersion");
    page.resource_version = resource_version->get<std::string>();
    if (auto token = metadata->find("continue"); token != metadata->end()) {
        if (!token->is_string()) return decode_error("list page", "metadata.continue is not a string");
        page.continue_token = token->get<std::string>();
    }

    auto items = list.find("items");
    if (items == list.end() || items->is_null()) return page;
    if (!items->is_array()) return decode_error("list page", "items is not an array");
    page.items.reserve(items->size());
    const std::string api_version = type.api_version();
    for (auto& item : *items) {
        if (!item.is_object()) return decode_error("list page", "an item is not an object");
        auto item_metadata = item.find("metadata");
        if (item_metadata == item.end() || !item_metadata->is_object() || !item_metadata->contains("name"))
            return decode_error("list page", "an item has no metadata.name");
        if (!item.contains("apiVersion")) item["apiVersion"] = api_version;
        if (!item.contains("kind")) item["kind"] = type.kind;
        page.items.push_back(std::make_shared<const Json>(std::move(item)));
    }
    return page;
}

} // namespace labfleet::kube
