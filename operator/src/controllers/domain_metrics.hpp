#pragma once
// DomainMetrics: the labfleet_* metrics an SRE watches beside the
// controller-runtime ones: leases by phase, how late leases were released,
// how many (workload, target) pairs exist, and which image each pair runs.

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "kube/store.hpp"

namespace labfleet::controllers {

class DomainMetrics {
public:
    explicit DomainMetrics(prometheus::Registry& registry);

    /// labfleet_leases{phase}: the EnvironmentLeases of `leases` in each phase
    /// (no status.phase counts as Pending), kept by `leases`' change handlers
    /// in O(1) per change. `leases` must outlive this object's registry use.
    void count_leases(kube::Store& leases);
    /// labfleet_lease_expiry_lag_seconds: release time minus expiresAt.
    void observe_expiry_lag(std::chrono::duration<double> lag);
    /// labfleet_assignments: (workload, target) pairs across all policies.
    void set_assignments(int pairs);
    /// An image a pair runs and why its tag won.
    struct ImageInfo {
        std::string image;
        std::string source;
        auto operator<=>(const ImageInfo&) const = default;
    };
    /// labfleet_workload_image_info{workload,target,image,source} = 1 for each
    /// of `images`; series of the pair not in `images` are removed.
    void set_images(const std::string& workload, const std::string& target, std::vector<ImageInfo> images);
    /// Removes every image series of (workload, target).
    void forget_pair(const std::string& workload, const std::string& target);

private:
    /// The labfleet_leases gauge of a status.phase value; null for unknown ones.
    prometheus::Gauge* lease_gauge(const kube::Json& lease);

    prometheus::Family<prometheus::Gauge>& leases_;
    std::map<std::string, prometheus::Gauge*, std::less<>> lease_gauges_;
    prometheus::Family<prometheus::Histogram>& expiry_lag_;
    prometheus::Histogram& expiry_lag_histogram_;
    prometheus::Family<prometheus::Gauge>& assignments_;
    prometheus::Family<prometheus::Gauge>& image_info_;
    struct PairSeries {
        std::vector<ImageInfo> images;
        std::vector<prometheus::Gauge*> gauges;
    };
    std::map<std::pair<std::string, std::string>, PairSeries> image_series_;
};

} // namespace labfleet::controllers
