#pragma once
// ClusterMetrics: the series of the registered clusters, labelled by cluster
// (docs/metrics.md): whether each answers, its requests by method and code,
// the objects cached from it, its watch restarts and its credential's
// expiry. A cluster's series go when its connection does.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace labfleet::clusters {

class ClusterMetrics {
public:
    /// `registry` must outlive this object.
    explicit ClusterMetrics(prometheus::Registry& registry);
    ClusterMetrics(const ClusterMetrics&) = delete;
    ClusterMetrics& operator=(const ClusterMetrics&) = delete;

    /// labfleet_cluster_up: 1 while the cluster answers its probe, else 0.
    void set_up(const std::string& cluster, bool up);
    /// labfleet_cluster_requests_total{cluster,method,code}: one attempt that reached the wire or failed there.
    void request(const std::string& cluster, std::string_view method, std::string_view code);
    /// labfleet_cluster_cached_objects: Labfleet's objects cached from the cluster.
    void set_cached_objects(const std::string& cluster, std::size_t objects);
    /// labfleet_cluster_watch_restarts_total: watches opened again after one ended.
    void add_watch_restarts(const std::string& cluster, std::uint64_t restarts);
    /// labfleet_cluster_credential_expiry_timestamp_seconds: when the credential
    /// stops working, where it states so (credential_expiry); no series otherwise.
    void set_credential_expiry(const std::string& cluster, std::optional<std::chrono::system_clock::time_point> expiry);
    /// Removes every series of `cluster`.
    void forget(const std::string& cluster);

private:
    prometheus::Family<prometheus::Gauge>& up_;
    prometheus::Family<prometheus::Counter>& requests_;
    prometheus::Family<prometheus::Gauge>& cached_;
    prometheus::Family<prometheus::Counter>& restarts_;
    prometheus::Family<prometheus::Gauge>& expiry_;
    std::map<std::string, std::vector<prometheus::Counter*>> counters_;
};

} // namespace labfleet::clusters
