#include "kube/client/rest.hpp"

namespace labfleet::kube::rest {

namespace {

/// Default page size of list_all, as client-go's pager.
constexpr int default_page_size = 500;

std::string describe_request(const HttpRequest& request) {
    return std::string(to_string(request.method)) + " " + request.target;
}

ApiError decode_error(const HttpRequest& request, int http_status, std::string what) {
    ApiError error;
    error.reason = ErrorReason::Decode;
    error.http_status = http_status;
    error.message = "response to " + describe_request(request) + ": " + std::move(what);
    return error;
}

/// The body as a JSON object, or a Decode error naming the request.
Result<Json> decode_object(const HttpRequest& request, const HttpResponse& response) {
    auto json = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
        constexpr std::size_t shown = 64;
        std::string start = response.body.substr(0, shown);
        if (response.body.size() > shown) start += "...";
        return decode_error(request, response.status, "body is not valid JSON: \"" + start + "\"");
    }
    if (!json.is_object())
        return decode_error(request, response.status, std::string("body is a JSON ") + json.type_name() +
                                                           ", not an object");
    return json;
}

asio::awaitable<Result<Json>> send_for_object(Client& client, HttpRequest request) {
    auto response = co_await client.send(request);
    if (!response) co_return response.error();
    co_return decode_object(request, *response);
}

std::string metadata_string(const Json& object, const char* field) {
    auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) return {};
    auto value = metadata->find(field);
    return value != metadata->end() && value->is_string() ? value->get<std::string>() : std::string();
}

} // namespace

ObjectKey key_of(const Json& object) {
    if (!object.is_object()) return {};
    return {metadata_string(object, "namespace"), metadata_string(object, "name")};
}

asio::awaitable<Result<Json>> get(Client& client, ResourceType type, ObjectKey key) {
    co_return co_await send_for_object(client, requests::get(type, key));
}

asio::awaitable<Result<Json>> list_all(Client& client, ResourceType type, std::string ns, ListOptions options) {
    if (options.limit <= 0) options.limit = default_page_size;
    Json items = Json::array();
    for (;;) {
        const auto request = requests::list(type, ns, options);
        auto page = co_await send_for_object(client, request);
        if (!page) co_return page.error();
        auto page_items = page->find("items");
        if (page_items != page->end() && page_items->is_array()) {
            for (auto& item : *page_items) items.push_back(std::move(item));
        } else if (page_items != page->end() && !page_items->is_null()) {
            co_return decode_error(request, 200, "\"items\" is not an array");
        }
        const std::string next = metadata_string(*page, "continue");
        if (next.empty()) {
            Json list = std::move(*page);
            list["items"] = std::move(items);
            if (auto metadata = list.find("metadata"); metadata != list.end() && metadata->is_object()) {
                metadata->erase("continue");
                metadata->erase("remainingItemCount");
            }
            co_return list;
        }
        if (next == options.continue_token)
            co_return decode_error(request, 200, "the server returned the same continue token again");
        options.continue_token = next;
        // Later pages are read from the snapshot the continue token names.
        options.resource_version.clear();
    }
}

asio::awaitable<Result<Json>> create(Client& client, ResourceType type, std::string ns, Json object) {
    co_return co_await send_for_object(client, requests::create(type, ns, object));
}

asio::awaitable<Result<Json>> replace(Client& client, ResourceType type, Json object) {
    co_return co_await send_for_object(client, requests::replace(type, key_of(object), object));
}

asio::awaitable<Result<Json>> replace_status(Client& client, ResourceType type, Json object) {
    co_return co_await send_for_object(client, requests::replace_status(type, key_of(object), object));
}

asio::awaitable<Result<Json>> patch(Client& client, ResourceType type, ObjectKey key, PatchType patch_type,
                                    Json patch) {
    co_return co_await send_for_object(client, requests::patch(type, key, patch_type, patch));
}

asio::awaitable<Result<Json>> patch_status(Client& client, ResourceType type, ObjectKey key, PatchType patch_type,
                                           Json patch) {
    co_return co_await send_for_object(client, requests::patch_status(type, key, patch_type, patch));
}

asio::awaitable<Result<Json>> apply(Client& client, ResourceType type, Json object, ApplyOptions options) {
    co_return co_await send_for_object(client, requests::apply(type, key_of(object), object, options));
}

asio::awaitable<Result<Json>> apply_status(Client& client, ResourceType type, Json object, ApplyOptions options) {
    co_return co_await send_for_object(client, requests::apply_status(type, key_of(object), object, options));
}

asio::awaitable<Status> remove(Client& client, ResourceType type, ObjectKey key, DeleteOptions options) {
    auto response = co_await client.send(requests::remove(type, key, options));
    if (!response) co_return response.error();
    co_return Done{};
}

} // namespace labfleet::kube::rest
