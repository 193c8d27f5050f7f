#pragma once
// FixedClusters: a RemoteClusters for reconciler tests, answering every
// question about any cluster with one access and one set of caches.

#include <string>
#include <vector>

#include "controllers/clusters/cluster_access.hpp"

namespace labfleet::controllers::testing {

struct FixedClusters final : RemoteClusters {
    ClusterAccess answer;
    std::vector<ChildStores> stores;
    ClusterAccess access(const std::string&, const std::string&) override { return answer; }
    std::vector<ChildStores> child_stores() const override { return stores; }
    std::string installation() const override { return "home-uid"; }
};

} // namespace labfleet::controllers::testing
