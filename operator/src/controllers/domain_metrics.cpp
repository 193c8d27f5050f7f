#include "controllers/domain_metrics.hpp"

#include <algorithm>

namespace labfleet::controllers {

DomainMetrics::DomainMetrics(prometheus::Registry& registry)
    : leases_(prometheus::BuildGauge()
                  .Name("labfleet_leases")
                  .Help("EnvironmentLeases by phase")
                  .Register(registry)),
      expiry_lag_(prometheus::BuildHistogram()
                      .Name("labfleet_lease_expiry_lag_seconds")
                      .Help("Time from a lease's expiresAt to its release by the sweeper")
                      .Register(registry)),
      expiry_lag_histogram_(expiry_lag_.Add(
          {}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                      2.5, 5, 10, 30, 60})),
      assignments_(prometheus::BuildGauge()
                       .Name("labfleet_assignments")
                       .Help("(workload, target) pairs selected by SchedulingPolicies")
                       .Register(registry)),
      image_info_(prometheus::BuildGauge()
                      .Name("labfleet_workload_image_info")
                      .Help("The image each workload runs on each target and why that tag won (value is always 1)")
                      .Register(registry)) {}

void DomainMetrics::set_leases(const std::map<std::string, int>& count_by_phase) {
    for (const char* phase : {"Pending", "Active", "Expired", "Released"}) {
        auto it = count_by_phase.find(phase);
        leases_.Add({{"phase", phase}}).Set(it == count_by_phase.end() ? 0 : it->second);
    }
}

void DomainMetrics::observe_expiry_lag(std::chrono::duration<double> lag) {
    expiry_lag_histogram_.Observe(lag.count());
}

void DomainMetrics::set_assignments(int pairs) { assignments_.Add({}).Set(pairs); }

void DomainMetrics::set_images(const std::string& workload, const std::string& target,
                               std::vector<ImageInfo> images) {
    std::sort(images.begin(), images.end());
    auto& series = image_series_[{workload, target}];
    if (series.images == images && !series.gauges.empty()) return;
    for (auto* gauge : series.gauges) image_info_.Remove(gauge);
    series.gauges.clear();
    for (const auto& info : images) {
        auto& gauge = image_info_.Add(
            {{"workload", workload}, {"target", target}, {"image", info.image}, {"source", info.source}});
        gauge.Set(1);
        series.gauges.push_back(&gauge);
    }
    series.images = std::move(images);
}

void DomainMetrics::forget_pair(const std::string& workload, const std::string& target) {
    auto it = image_series_.find({workload, target});
    if (it == image_series_.end()) return;
    for (auto* gauge : it->second.gauges) image_info_.Remove(gauge);
    image_series_.erase(it);
}

} // namespace labfleet::controllers
