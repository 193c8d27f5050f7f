#include "controllers/domain_metrics.hpp"

#include <algorithm>

#include "kube/meta/time_format.hpp"

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

/// The string `object[key]`; "" when absent or not a string.
std::string_view string_field(const kube::Json& object, const char* key) {
    if (const auto value = object.find(key); value != object.end() && value->is_string())
        return value->get_ref<const std::string&>();
    return {};
}

/// The string `object[first][second]`; "" when absent or not a string.
std::string_view string_at(const kube::Json& object, const char* first, const char* second) {
    if (const auto outer = object.find(first); outer != object.end() && outer->is_object())
        return string_field(*outer, second);
    return {};
}

/// A lease's status.phase; no status or an empty phase is Pending.
std::string_view lease_phase(const kube::Json& lease) {
    const std::string_view phase = string_at(lease, "status", "phase");
    return phase.empty() ? "Pending" : phase;
}

/// labfleet_resource_condition lines of `object`'s status.conditions.
void append_conditions(std::string& out, std::string_view kind, std::string_view name, const kube::Json& object) {
    const auto status = object.find("status");
    if (status == object.end() || !status->is_object()) return;
    const auto conditions = status->find("conditions");
    if (conditions == status->end() || !conditions->is_array()) return;
    for (const auto& condition : *conditions) {
        if (!condition.is_object()) continue;
        const std::string_view type = string_field(condition, "type");
        if (type.empty()) continue;
        const std::string_view current = string_field(condition, "status");
        for (const std::string_view value : {"True", "False", "Unknown"}) {
            out += "labfleet_resource_condition{kind=\"";
            out += kind;
            out += "\",name=\"";
            append_label_value(out, name);
            out += "\",type=\"";
            append_label_value(out, type);
            out += "\",status=\"";
            out += value;
            out += current == value ? "\"} 1\n" : "\"} 0\n";
        }
    }
}

/// The labfleet_lease_phase line of `lease`.
void append_lease_phase(std::string& out, std::string_view name, const kube::Json& lease) {
    out += "labfleet_lease_phase{name=\"";
    append_label_value(out, name);
    out += "\",target=\"";
    append_label_value(out, string_at(lease, "spec", "target"));
    out += "\",phase=\"";
    append_label_value(out, lease_phase(lease));
    out += "\"} 1\n";
}

/// The kinds in the order of DomainMetrics::object_series_; the last is the leases.
constexpr std::array<std::string_view, 4> fleet_kinds{"Workload", "DeploymentTarget", "SchedulingPolicy",
                                                      "EnvironmentLease"};

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
      queue_wait_(prometheus::BuildHistogram()
                      .Name("labfleet_lease_queue_wait_seconds")
                      .Help("Time from a lease's creation to its grant (status.acquiredAt)")
                      .Register(metrics.registry())),
      queue_wait_histogram_(queue_wait_.Add(
          {}, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400,
                                                      28800, 86400})),
      assignments_(prometheus::BuildGauge()
                       .Name("labfleet_assignments")
                       .Help("(workload, target) pairs selected by SchedulingPolicies")
                       .Register(metrics.registry())) {
    metrics.add_text_family([this](std::string& out) { write_image_info(out); });
    metrics.add_text_family([this](std::string& out) { write_promotions(out); });
    metrics.add_text_family([this](std::string& out) { write_object_series(out); });
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
    const auto it = lease_gauges_.find(lease_phase(lease));
    return it == lease_gauges_.end() ? nullptr : it->second;
}

void DomainMetrics::observe_queue_waits(kube::Store& leases, std::function<bool()> leading) {
    auto granted = [this, leading = std::move(leading)](const kube::ObjectPtr& old_lease,
                                                        const kube::ObjectPtr& new_lease) {
        if (lease_phase(*old_lease) == "Active" || lease_phase(*new_lease) != "Active" || !leading()) return;
        const auto created = kube::parse_rfc3339(string_at(*new_lease, "metadata", "creationTimestamp"));
        const auto acquired = kube::parse_rfc3339(string_at(*new_lease, "status", "acquiredAt"));
        if (!created || !acquired) return;
        queue_wait_histogram_.Observe(std::max(0.0, std::chrono::duration<double>(*acquired - *created).count()));
    };
    leases.add_handlers({nullptr, std::move(granted), nullptr});
}

void DomainMetrics::export_objects(FleetStores fleet) { fleet_.emplace(fleet); }

void DomainMetrics::refresh(SeriesMemo& memo, const kube::Store& store, std::string_view kind) {
    std::vector<std::pair<kube::ObjectKey, std::uint64_t>> cached;
    cached.reserve(store.size());
    store.for_each_snapshot(
        [&](const kube::ObjectKey& key, std::uint64_t snapshot) { cached.emplace_back(key, snapshot); });
    SeriesMemo next;
    for (auto& [key, snapshot] : cached) {
        auto& series = next[key];
        if (const auto kept = memo.find(key); kept != memo.end() && kept->second.snapshot == snapshot) {
            series = std::move(kept->second);
            continue;
        }
        const auto object = store.get(key);
        if (!object) continue;
        series.snapshot = snapshot;
        append_conditions(series.conditions, kind, key.name, *object);
        if (kind == fleet_kinds.back()) append_lease_phase(series.phase, key.name, *object);
    }
    memo = std::move(next);
}

void DomainMetrics::write_object_series(std::string& out) {
    if (!fleet_) return;
    const std::array<kube::Store*, 4> stores{&fleet_->workloads, &fleet_->targets, &fleet_->policies, &fleet_->leases};
    for (std::size_t kind = 0; kind < stores.size(); ++kind)
        refresh(object_series_[kind], *stores[kind], fleet_kinds[kind]);
    out += "# HELP labfleet_resource_condition The status of each condition of each Labfleet object "
           "(1 for its current status, 0 for the others)\n# TYPE labfleet_resource_condition gauge\n";
    for (const auto& memo : object_series_)
        for (const auto& [key, series] : memo) out += series.conditions;
    out += "# HELP labfleet_lease_phase The phase of each EnvironmentLease (value is always 1)\n"
           "# TYPE labfleet_lease_phase gauge\n";
    for (const auto& [key, series] : object_series_.back()) out += series.phase;
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
    promotion_series_.erase(workload);
    auto counted = promotion_counts_.lower_bound({workload, "", ""});
    while (counted != promotion_counts_.end() && std::get<0>(counted->first) == workload)
        counted = promotion_counts_.erase(counted);
}

void DomainMetrics::set_promotion(const std::string& workload, std::vector<EnvironmentPromotionSeries> environments) {
    if (environments.empty()) promotion_series_.erase(workload);
    else promotion_series_[workload] = std::move(environments);
}

void DomainMetrics::count_promotion(const std::string& workload, const std::string& environment,
                                    const std::string& outcome) {
    ++promotion_counts_[{workload, environment, outcome}];
}

void DomainMetrics::write_promotions(std::string& out) const {
    auto series = [&](const char* name, const std::string& workload, const std::string& environment) {
        out += name;
        out += "{workload=\"";
        append_label_value(out, workload);
        out += "\",environment=\"";
        append_label_value(out, environment);
        out += '"';
    };
    out += "# HELP labfleet_promotion_version_info The version each environment of a workload's promotion is given "
           "(value is always 1)\n# TYPE labfleet_promotion_version_info gauge\n";
    for (const auto& [workload, environments] : promotion_series_)
        for (const auto& environment : environments) {
            if (environment.workshop_tag.empty()) continue;
            series("labfleet_promotion_version_info", workload, environment.environment);
            out += ",workshop_tag=\"";
            append_label_value(out, environment.workshop_tag);
            out += "\",files_tag=\"";
            append_label_value(out, environment.files_tag);
            out += "\"} 1\n";
        }
    out += "# HELP labfleet_promotion_soak_ratio How much of its soak time each environment has served the "
           "candidate (1 once passed)\n# TYPE labfleet_promotion_soak_ratio gauge\n";
    for (const auto& [workload, environments] : promotion_series_)
        for (const auto& environment : environments) {
            series("labfleet_promotion_soak_ratio", workload, environment.environment);
            out += "} " + std::to_string(environment.soak_ratio) + "\n";
        }
    out += "# HELP labfleet_promotion_stalled_since_timestamp_seconds Since when a promotion is blocked or failed "
           "in an environment (absent otherwise)\n# TYPE labfleet_promotion_stalled_since_timestamp_seconds gauge\n";
    for (const auto& [workload, environments] : promotion_series_)
        for (const auto& environment : environments) {
            if (!environment.stalled_since) continue;
            series("labfleet_promotion_stalled_since_timestamp_seconds", workload, environment.environment);
            out += "} " + std::to_string(static_cast<std::int64_t>(*environment.stalled_since)) + "\n";
        }
    out += "# HELP labfleet_promotions_total Promotion steps by outcome: promoted to an environment, failed or "
           "blocked there\n# TYPE labfleet_promotions_total counter\n";
    for (const auto& [key, count] : promotion_counts_) {
        series("labfleet_promotions_total", std::get<0>(key), std::get<1>(key));
        out += ",outcome=\"";
        append_label_value(out, std::get<2>(key));
        out += "\"} " + std::to_string(count) + "\n";
    }
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
