#include "clusters/remote_permissions.hpp"

namespace labfleet::clusters {

std::string Permission::describe() const {
    std::string out = verb + " " + resource + (group.empty() ? "" : "." + group);
    if (!name.empty()) out += "/" + name;
    return out;
}

std::vector<Permission> permissions_needed(const std::string& ns) {
    std::vector<Permission> out;
    const std::pair<const char*, const char*> resources[] = {{"", "configmaps"}, {"", "services"}, {"apps", "deployments"}};
    for (const auto& [group, resource] : resources)
        for (const char* verb : {"get", "list", "watch", "create", "patch", "delete"})
            out.push_back({verb, group, resource, ""});
    out.push_back({"get", "", "namespaces", ns});
    return out;
}

kube::Json access_review(const Permission& permission, const std::string& ns) {
    kube::Json attributes = {{"namespace", ns}, {"verb", permission.verb}, {"group", permission.group},
                             {"resource", permission.resource}};
    if (!permission.name.empty()) attributes["name"] = permission.name;
    return {{"apiVersion", "authorization.k8s.io/v1"},
            {"kind", "SelfSubjectAccessReview"},
            {"spec", {{"resourceAttributes", std::move(attributes)}}}};
}

std::string describe_missing(const std::vector<Permission>& missing, std::size_t limit) {
    std::string out;
    for (std::size_t i = 0; i < missing.size() && i < limit; ++i) out += (i ? ", " : "") + missing[i].describe();
    if (missing.size() > limit) out += " and " + std::to_string(missing.size() - limit) + " more";
    return out;
}

} // namespace labfleet::clusters
