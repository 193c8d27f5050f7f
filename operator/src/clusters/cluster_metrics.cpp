#include "clusters/cluster_metrics.hpp"

#include <algorithm>

namespace labfleet::clusters {

ClusterMetrics::ClusterMetrics(prometheus::Registry& registry)
    : up_(prometheus::BuildGauge()
              .Name("labfleet_cluster_up")
              .Help("1 while a registered cluster that targets name answers the operator's probe, else 0")
              .Register(registry)),
      requests_(prometheus::BuildCounter()
                    .Name("labfleet_cluster_requests_total")
                    .Help("Requests to a registered cluster, by method and HTTP code (<error> when no answer came)")
                    .Register(registry)),
      cached_(prometheus::BuildGauge()
                  .Name("labfleet_cluster_cached_objects")
                  .Help("Labfleet's objects (ConfigMaps, Deployments, Services) cached from a registered cluster")
                  .Register(registry)) {}

void ClusterMetrics::set_up(const std::string& cluster, bool up) { up_.Add({{"cluster", cluster}}).Set(up ? 1 : 0); }

void ClusterMetrics::request(const std::string& cluster, std::string_view method, std::string_view code) {
    auto& counter = requests_.Add({{"cluster", cluster}, {"method", std::string(method)}, {"code", std::string(code)}});
    auto& known = counters_[cluster];
    if (std::find(known.begin(), known.end(), &counter) == known.end()) known.push_back(&counter);
    counter.Increment();
}

void ClusterMetrics::set_cached_objects(const std::string& cluster, std::size_t objects) {
    cached_.Add({{"cluster", cluster}}).Set(static_cast<double>(objects));
}

void ClusterMetrics::forget(const std::string& cluster) {
    up_.Remove(&up_.Add({{"cluster", cluster}}));
    cached_.Remove(&cached_.Add({{"cluster", cluster}}));
    if (const auto found = counters_.find(cluster); found != counters_.end()) {
        for (auto* counter : found->second) requests_.Remove(counter);
        counters_.erase(found);
    }
}

} // namespace labfleet::clusters
