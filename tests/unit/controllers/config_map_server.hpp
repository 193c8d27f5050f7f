#pragma once
// ConfigMapServer: a kube::Client that answers ConfigMap requests as the API
// server does — GET, POST (AlreadyExists when present), merge PATCH (a
// metadata.resourceVersion in the patch is a precondition: Conflict when it
// is not the stored one) — from objects it keeps in memory, and hands every
// other request to `next`. Tests of the lease reconciler use it for the
// served-leases records, so their scripted responses stay those of leases.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kube/client/api_error.hpp"
#include "kube/client/client.hpp"
#include "kube/client/request.hpp"
#include "kube/json/json.hpp"

namespace labfleet::controllers::testing {

class ConfigMapServer final : public kube::Client {
public:
    explicit ConfigMapServer(kube::Client& next) : next_(next) {}

    boost::asio::awaitable<kube::Result<kube::HttpResponse>> send(kube::HttpRequest request) override {
        const std::string prefix = "/api/v1/namespaces/";
        const auto at = request.target.find("/configmaps");
        if (request.target.rfind(prefix, 0) != 0 || at == std::string::npos) co_return co_await next_.send(request);
        requests.push_back(request);
        if (fail_next && fail_next->first == request.method) {
            kube::ApiError error = fail_next->second;
            fail_next.reset();
            co_return error;
        }
        const std::string ns = request.target.substr(prefix.size(), at - prefix.size());
        std::string name = request.target.substr(at + std::string("/configmaps").size());
        if (!name.empty()) name = name.substr(1);
        if (request.method == kube::Method::Post) {
            kube::Json object = kube::Json::parse(request.body);
            name = object["metadata"]["name"].get<std::string>();
            if (objects.contains(ns + "/" + name)) co_return status(409, "AlreadyExists");
            object["metadata"]["resourceVersion"] = std::to_string(++revision_);
            objects[ns + "/" + name] = object;
            co_return kube::HttpResponse{201, object.dump()};
        }
        const auto found = objects.find(ns + "/" + name);
        if (found == objects.end()) co_return status(404, "NotFound");
        if (request.method == kube::Method::Get) co_return kube::HttpResponse{200, found->second.dump()};
        if (request.method == kube::Method::Patch) {
            const kube::Json patch = kube::Json::parse(request.body);
            const kube::Json::json_pointer rv("/metadata/resourceVersion");
            if (patch.contains(rv) && patch.at(rv) != found->second.at(rv)) co_return status(409, "Conflict");
            found->second.merge_patch(patch);
            found->second["metadata"]["resourceVersion"] = std::to_string(++revision_);
            co_return kube::HttpResponse{200, found->second.dump()};
        }
        co_return status(405, "MethodNotAllowed");
    }

    boost::asio::awaitable<kube::Result<std::unique_ptr<kube::WatchStream>>> stream(
        kube::HttpRequest request, std::chrono::milliseconds idle_timeout) override {
        co_return co_await next_.stream(std::move(request), idle_timeout);
    }

    /// Stored objects by "namespace/name".
    std::map<std::string, kube::Json> objects;
    /// The ConfigMap requests received.
    std::vector<kube::HttpRequest> requests;
    /// Answers the next ConfigMap request of this method with this error.
    std::optional<std::pair<kube::Method, kube::ApiError>> fail_next;

private:
    static kube::ApiError status(int code, const std::string& reason) {
        return kube::api_error_from_response(
            code, kube::Json{{"kind", "Status"}, {"code", code}, {"reason", reason}, {"message", reason}}.dump());
    }

    kube::Client& next_;
    int revision_ = 100;
};

} // namespace labfleet::controllers::testing
