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

void DomainMetrics::count_leases(kube::Store& leases) {
    for (const char* phase : {"Pending", "Active", "Expired", "Released"}) {
        auto& gauge = leases_.Add({{"phase", phase}});
        gauge.Set(0);
        lease_gauges_[phase] = &gauge;
    }
    for (const auto& lease : leases.list())
        if (auto* gauge = lease_gauge(*lease)) gauge->Increment();
    auto add = [this](const kube::ObjectPtr& lease) {
        if (auto* gauge = lease_gauge(*lease)) gauge->Increment();
    };
    auto remove = [this](const kube::ObjectPtr& lease) {
        if (auto* gauge = lease_gauge(*lease)) gauge->Decrement();
    };
    leases.add_handlers({add, [add, remove](const kube::ObjectPtr& old_lease, const kube::ObjectPtr& new_lease) {
                             remove(old_lease);
                             add(new_lease);
                         },
                         remove});
}

prometheus::Gauge* DomainMetrics::lease_gauge(const kube::Json& lease) {
    std::string_view phase = "Pending";
    if (const auto status = lease.find("status"); status != lease.end() && status->is_object())
        if (const auto value = status->find("phase"); value != status->end() && value->is_string())
            phase = value->get_ref<const std::string&>();
    if (phase.empty()) phase = "Pending";
    const auto it = lease_gauges_.find(phase);
    return it == lease_gauges_.end() ? nullptr : it->second;
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
