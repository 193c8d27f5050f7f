#include "kube/client/request.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace labfleet::kube {

namespace {

/// Percent-encodes one query value (selectors contain '=', ',', '!', ' ').
std::string encode_query_value(std::string_view value) {
    return boost::urls::encode(value, boost::urls::unreserved_chars);
}

/// Builds "?a=b&c=d" from the pairs whose value is not empty.
class Query {
public:
    Query& add(std::string_view name, std::string_view value) {
        if (value.empty()) return *this;
        text_ += text_.empty() ? '?' : '&';
        text_.append(name).append("=").append(encode_query_value(value));
        return *this;
    }
    Query& add(std::string_view name, int value) {
        return value > 0 ? add(name, std::to_string(value)) : *this;
    }
    const std::string& str() const { return text_; }

private:
    std::string text_;
};

std::string group_prefix(const ResourceType& type) {
    return type.group.empty() ? "/api/" + type.version : "/apis/" + type.group + "/" + type.version;
}

HttpRequest with_json_body(Method method, std::string target, std::string content_type, const Json& body) {
    return {method, std::move(target), std::move(content_type), body.dump()};
}

std::string apply_query(const ApplyOptions& options) {
    Query query;
    query.add("fieldManager", options.field_manager);
    if (options.force) query.add("force", "true");
    if (options.dry_run) query.add("dryRun", "All");
    return query.str();
}

std::string_view content_type_of(PatchType patch_type) {
    switch (patch_type) {
    case PatchType::Merge: return "application/merge-patch+json";
    case PatchType::Json: return "application/json-patch+json";
    case PatchType::Apply: return "application/apply-patch+yaml";
    }
    return "";
}

} // namespace

namespace requests {

std::string collection_path(const ResourceType& type, const std::string& ns) {
    std::string path = group_prefix(type);
    if (type.namespaced && !ns.empty()) path += "/namespaces/" + ns;
    return path + "/" + type.plural;
}

std::string object_path(const ResourceType& type, const ObjectKey& key) {
    return collection_path(type, key.ns) + "/" + key.name;
}

HttpRequest get(const ResourceType& type, const ObjectKey& key) {
    return {Method::Get, object_path(type, key), "", ""};
}

HttpRequest list(const ResourceType& type, const std::string& ns, const ListOptions& options) {
    Query query;
    query.add("labelSelector", options.label_selector)
        .add("fieldSelector", options.field_selector)
        .add("limit", options.limit)
        .add("continue", options.continue_token)
        .add("resourceVersion", options.resource_version);
    return {Method::Get, collection_path(type, ns) + query.str(), "", ""};
}

HttpRequest watch(const ResourceType& type, const std::string& ns, const WatchOptions& options) {
    Query query;
    query.add("watch", "1")
        .add("labelSelector", options.label_selector)
        .add("fieldSelector", options.field_selector)
        .add("resourceVersion", options.resource_version)
        .add("timeoutSeconds", options.timeout_seconds);
    if (options.allow_bookmarks) query.add("allowWatchBookmarks", "true");
    if (options.send_initial_events) query.add("sendInitialEvents", "true").add("resourceVersionMatch", "NotOlderThan");
    return {Method::Get, collection_path(type, ns) + query.str(), "", ""};
}

HttpRequest create(const ResourceType& type, const std::string& ns, const Json& object) {
    return with_json_body(Method::Post, collection_path(type, ns), "application/json", object);
}

HttpRequest replace(const ResourceType& type, const ObjectKey& key, const Json& object) {
    return with_json_body(Method::Put, object_path(type, key), "application/json", object);
}

HttpRequest replace_status(const ResourceType& type, const ObjectKey& key, const Json& object) {
    return with_json_body(Method::Put, object_path(type, key) + "/status", "application/json", object);
}

HttpRequest patch(const ResourceType& type, const ObjectKey& key, PatchType patch_type, const Json& patch) {
    return with_json_body(Method::Patch, object_path(type, key), std::string(content_type_of(patch_type)), patch);
}

HttpRequest patch_status(const ResourceType& type, const ObjectKey& key, PatchType patch_type,
                         const Json& patch) {
    return with_json_body(Method::Patch, object_path(type, key) + "/status",
                          std::string(content_type_of(patch_type)), patch);
}

HttpRequest apply(const ResourceType& type, const ObjectKey& key, const Json& object, const ApplyOptions& options) {
    std::string target = object_path(type, key) + apply_query(options);
    std::string content_type(content_type_of(PatchType::Apply));
    HttpRequest request;
    if (!options.create_only) {
        request = with_json_body(Method::Patch, std::move(target), std::move(content_type), object);
    } else {
        Json precondition = object;
        precondition["metadata"]["resourceVersion"] = "1";
        request = with_json_body(Method::Patch, std::move(target), std::move(content_type), precondition);
    }
    request.rank = options.rank;
    return request;
}

HttpRequest apply_status(const ResourceType& type, const ObjectKey& key, const Json& object,
                         const ApplyOptions& options) {
    return with_json_body(Method::Patch, object_path(type, key) + "/status" + apply_query(options),
                          std::string(content_type_of(PatchType::Apply)), object);
}

HttpRequest remove(const ResourceType& type, const ObjectKey& key, const DeleteOptions& options) {
    Json body = Json::object();
    if (options.precondition_uid) body["preconditions"]["uid"] = *options.precondition_uid;
    if (options.precondition_resource_version)
        body["preconditions"]["resourceVersion"] = *options.precondition_resource_version;
    if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
    HttpRequest request = body.empty() ? HttpRequest{Method::Delete, object_path(type, key), "", ""}
                                       : with_json_body(Method::Delete, object_path(type, key), "application/json", body);
    request.rank = options.rank;
    return request;
}

} // namespace requests

std::string_view to_string(Method method) {
    switch (method) {
    case Method::Get: return "GET";
    case Method::Post: return "POST";
    case Method::Put: return "PUT";
    case Method::Patch: return "PATCH";
    case Method::Delete: return "DELETE";
    }
    return "GET";
}

} // namespace labfleet::kube
