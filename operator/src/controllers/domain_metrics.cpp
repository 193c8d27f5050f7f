#include "controllers/domain_metrics.hpp"

#include <algorithm>

namespace labfleet::controllers {

namespace {

/// A label value in the text exposition format: backslash, quote and newline escaped.
void append_label_value(std::string& out, std::string_view value) {
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

} // namespace

DomainMetrics::DomainMetrics(kube::RuntimeMetrics& metrics)
    : leases_(prometheus::BuildGauge()
                  .Name("labfleet_leases")
                  .Help("EnvironmentLeases by phase")
                  .Register(metrics.registry())),
      expiry_lag_(prometheus::BuildHistogram()
                      .Name("labfleet_lease_expiry_lag_seconds")
                      .Help("Time from a lease's expiresAt to its release by the sweeper")
                      .Register(metrics.registry())),
      expiry_lag_histogram_(expiry_lag_.Add(
          {}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                      2.5, 5, 10, 30, 60})),
      assignments_(prometheus::BuildGauge()
                       .Name("labfleet_assignments")
                       .Help("(workload, target) pairs selected by SchedulingPolicies")
                       .Register(metrics.registry())) {
    metrics.add_text_family([this](std::string& out) { write_image_info(out); });
}

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

void DomainMetrics::set_workload_images(const std::string& workload, std::vector<PairImages> pairs) {
    for (auto& pair : pairs) std::sort(pair.images.begin(), pair.images.end());
    std::sort(pairs.begin(), pairs.end(), [](const PairImages& a, const PairImages& b) { return a.target < b.target; });
    // Most reconciles change nothing: compare before freeing and allocating the entries again.
    auto kept = image_series_.lower_bound({workload, ""});
    auto pair = pairs.begin();
    for (; kept != image_series_.end() && kept->first.first == workload && pair != pairs.end(); ++kept, ++pair)
        if (kept->first.second != pair->target || kept->second != pair->images) break;
    const bool unchanged = pair == pairs.end() && (kept == image_series_.end() || kept->first.first != workload);
    if (unchanged) return;
    forget_workload(workload);
    for (auto& each : pairs) image_series_[{workload, std::move(each.target)}] = std::move(each.images);
}

void DomainMetrics::forget_workload(const std::string& workload) {
    auto first = image_series_.lower_bound({workload, ""});
    auto last = first;
    while (last != image_series_.end() && last->first.first == workload) ++last;
    image_series_.erase(first, last);
}

void DomainMetrics::write_image_info(std::string& out) const {
    out += "# HELP labfleet_workload_image_info The image each workload runs on each target and why that tag won "
           "(value is always 1)\n# TYPE labfleet_workload_image_info gauge\n";
    for (const auto& [pair, images] : image_series_) {
        for (const auto& info : images) {
            out += "labfleet_workload_image_info{workload=\"";
            append_label_value(out, pair.first);
            out += "\",target=\"";
            append_label_value(out, pair.second);
            out += "\",image=\"";
            append_label_value(out, info.image);
            out += "\",source=\"";
            append_label_value(out, info.source);
            out += "\"} 1\n";
        }
    }
}

} // namespace labfleet::controllers
