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
                  .Register(registry)),
      restarts_(prometheus::BuildCounter()
                    .Name("labfleet_cluster_watch_restarts_total")
                    .Help("Watches of a registered cluster opened again after one ended (the server ends each "
                          "every few minutes; more often means trouble)")
                    .Register(registry)),
      expiry_(prometheus::BuildGauge()
                  .Name("labfleet_cluster_credential_expiry_timestamp_seconds")
                  .Help("When a registered cluster's credential stops working (a client certificate's notAfter "
                        "or a token's exp claim), where it states one")
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

void ClusterMetrics::add_watch_restarts(const std::string& cluster, std::uint64_t restarts) {
    restarts_.Add({{"cluster", cluster}}).Increment(static_cast<double>(restarts));
}

void ClusterMetrics::set_credential_expiry(const std::string& cluster,
                                           std::optional<std::chrono::system_clock::time_point> expiry) {
    if (!expiry) {
        if (expiry_.Has({{"cluster", cluster}})) expiry_.Remove(&expiry_.Add({{"cluster", cluster}}));
        return;
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(expiry->time_since_epoch()).count();
    expiry_.Add({{"cluster", cluster}}).Set(static_cast<double>(seconds));
}

void ClusterMetrics::forget(const std::string& cluster) {
    up_.Remove(&up_.Add({{"cluster", cluster}}));
    cached_.Remove(&cached_.Add({{"cluster", cluster}}));
    restarts_.Remove(&restarts_.Add({{"cluster", cluster}}));
    if (expiry_.Has({{"cluster", cluster}})) expiry_.Remove(&expiry_.Add({{"cluster", cluster}}));
    if (const auto found = counters_.find(cluster); found != counters_.end()) {
        for (auto* counter : found->second) requests_.Remove(counter);
        counters_.erase(found);
    }
}

} // namespace labfleet::clusters
