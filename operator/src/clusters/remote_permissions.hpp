#pragma once
// What Labfleet's identity must be allowed in a target namespace of another
// cluster, asked of that cluster (SelfSubjectAccessReview) before the first
// write, so that a missing permission shows as a condition naming it rather
// than as a stream of 403s. docs/multicluster.md lists the same rules.

#include <string>
#include <vector>

#include "kube/json/json.hpp"

namespace labfleet::clusters {

struct Permission {
    std::string verb;
    std::string group;     // "" for the core group
    std::string resource;  // plural
    std::string name;      // "" for any object

    /// "create deployments.apps", "get namespaces/labs".
    std::string describe() const;
};

/// Every permission Labfleet uses in target namespace `ns`: get, list, watch,
/// create, patch and delete on ConfigMaps, Services and Deployments, and get
/// on the namespace itself.
std::vector<Permission> permissions_needed(const std::string& ns);

/// The SelfSubjectAccessReview asking for `permission` in `ns`.
kube::Json access_review(const Permission& permission, const std::string& ns);

/// "create deployments.apps, patch services" (at most `limit` named, then "and N more").
std::string describe_missing(const std::vector<Permission>& missing, std::size_t limit = 6);

} // namespace labfleet::clusters
