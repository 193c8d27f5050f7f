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

#include "kube/metrics/metrics.hpp"
#include "kube/cache/store.hpp"

namespace labfleet::controllers {

class DomainMetrics {
public:
    /// Registers the families on `metrics`, which must outlive this object's use.
    explicit DomainMetrics(kube::RuntimeMetrics& metrics);
    DomainMetrics(const DomainMetrics&) = delete;  // `metrics` writes this one's families
    DomainMetrics& operator=(const DomainMetrics&) = delete;

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
    /// The images of one (workload, target) pair.
    struct PairImages {
        std::string target;
        std::vector<ImageInfo> images;
    };
    /// labfleet_workload_image_info{workload,target,image,source} = 1 for each
    /// image of each pair of `workload`; its series not in `pairs` are removed.
    void set_workload_images(const std::string& workload, std::vector<PairImages> pairs);
    /// Removes every image series of `workload`.
    void forget_workload(const std::string& workload);
    /// Appends labfleet_workload_image_info in the text exposition format.
    void write_image_info(std::string& out) const;

private:
    /// The labfleet_leases gauge of a status.phase value; null for unknown ones.
    prometheus::Gauge* lease_gauge(const kube::Json& lease);

    prometheus::Family<prometheus::Gauge>& leases_;
    std::map<std::string, prometheus::Gauge*, std::less<>> lease_gauges_;
    prometheus::Family<prometheus::Histogram>& expiry_lag_;
    prometheus::Histogram& expiry_lag_histogram_;
    prometheus::Family<prometheus::Gauge>& assignments_;
    /// (workload, target) -> its images: kept here and written at each scrape,
    /// not in the registry (at 10,000 pairs the registry's label maps and
    /// per-scrape copies were a fifth of the operator's peak memory).
    std::map<std::pair<std::string, std::string>, std::vector<ImageInfo>> image_series_;
};

} // namespace labfleet::controllers
