#include "kube/metrics/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace labfleet::kube {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

/// Exponential buckets as controller-runtime's workqueue uses: 1e-8 s .. ~10 s.
prometheus::Histogram::BucketBoundaries queue_buckets() {
    prometheus::Histogram::BucketBoundaries bounds;
    for (double b = 1e-8; b < 20; b *= 10) bounds.push_back(b);
    return bounds;
}

prometheus::Histogram::BucketBoundaries reconcile_buckets() {
    return {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7,
            0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20,
            25, 30, 40, 50, 60};
}

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

class QueueObserver final : public WorkQueueObserver {
public:
    QueueObserver(RuntimeMetrics& metrics, const std::string& name,
                  prometheus::Family<prometheus::Gauge>& depth, prometheus::Family<prometheus::Counter>& adds,
                  prometheus::Family<prometheus::Histogram>& queue_duration,
                  prometheus::Family<prometheus::Histogram>& work_duration,
                  prometheus::Family<prometheus::Counter>& retries)
        : depth_(depth.Add({{"name", name}, {"controller", name}})),
          adds_(adds.Add({{"name", name}, {"controller", name}})),
          queue_duration_(queue_duration.Add({{"name", name}, {"controller", name}}, queue_buckets())),
          work_duration_(work_duration.Add({{"name", name}, {"controller", name}}, queue_buckets())),
          retries_(retries.Add({{"name", name}, {"controller", name}})) {
        (void)metrics;
    }
    void depth_changed(std::size_t depth) override { depth_.Set(static_cast<double>(depth)); }
    void added() override { adds_.Increment(); }
    void queue_latency(std::chrono::nanoseconds waited) override { queue_duration_.Observe(seconds(waited)); }
    void work_duration(std::chrono::nanoseconds took) override { work_duration_.Observe(seconds(took)); }
    void retried() override { retries_.Increment(); }

private:
    prometheus::Gauge& depth_;
    prometheus::Counter& adds_;
    prometheus::Histogram& queue_duration_;
    prometheus::Histogram& work_duration_;
    prometheus::Counter& retries_;
};

} // namespace

RuntimeMetrics::RuntimeMetrics(std::string api_host)
    : api_host_(std::move(api_host)),
      registry_(std::make_shared<prometheus::Registry>()),
      reconcile_total_(BuildCounter().Name("controller_runtime_reconcile_total")
                           .Help("Total number of reconciliations per controller").Register(*registry_)),
      reconcile_errors_(BuildCounter().Name("controller_runtime_reconcile_errors_total")
                            .Help("Total number of reconciliation errors per controller").Register(*registry_)),
      reconcile_time_(BuildHistogram().Name("controller_runtime_reconcile_time_seconds")
                          .Help("Length of time per reconciliation per controller").Register(*registry_)),
      active_workers_(BuildGauge().Name("controller_runtime_active_workers")
                          .Help("Number of currently used workers per controller").Register(*registry_)),
      max_concurrent_(BuildGauge().Name("controller_runtime_max_concurrent_reconciles")
                          .Help("Maximum number of concurrent reconciles per controller").Register(*registry_)),
      queue_depth_(BuildGauge().Name("workqueue_depth").Help("Current depth of workqueue").Register(*registry_)),
      queue_adds_(BuildCounter().Name("workqueue_adds_total")
                      .Help("Total number of adds handled by workqueue").Register(*registry_)),
      queue_duration_(BuildHistogram().Name("workqueue_queue_duration_seconds")
                          .Help("How long in seconds an item stays in workqueue before being requested")
                          .Register(*registry_)),
      work_duration_(BuildHistogram().Name("workqueue_work_duration_seconds")
                         .Help("How long in seconds processing an item from workqueue takes").Register(*registry_)),
      queue_retries_(BuildCounter().Name("workqueue_retries_total")
                         .Help("Total number of retries handled by workqueue").Register(*registry_)),
      rest_requests_(BuildCounter().Name("rest_client_requests_total")
                         .Help("Number of HTTP requests, partitioned by status code, method, and host")
                         .Register(*registry_)),
      leader_status_(BuildGauge().Name("leader_election_master_status")
                         .Help("Gauge of if the reporting system is master of the relevant lease, 0 indicates "
                               "backup, 1 indicates master. 'name' is the string used to identify the lease.")
                         .Register(*registry_)) {}

std::unique_ptr<WorkQueueObserver> RuntimeMetrics::work_queue_observer(const std::string& controller) {
    return std::make_unique<QueueObserver>(*this, controller, queue_depth_, queue_adds_, queue_duration_,
                                           work_duration_, queue_retries_);
}

void RuntimeMetrics::reconciled(const std::string& controller, const std::string& result,
                                std::chrono::nanoseconds took) {
    reconcile_total_.Add({{"controller", controller}, {"result", result}}).Increment();
    if (result == "error") reconcile_errors_.Add({{"controller", controller}}).Increment();
    reconcile_time_.Add({{"controller", controller}}, reconcile_buckets()).Observe(seconds(took));
}

void RuntimeMetrics::set_active_workers(const std::string& controller, int workers) {
    active_workers_.Add({{"controller", controller}}).Set(workers);
}

void RuntimeMetrics::set_max_concurrent_reconciles(const std::string& controller, int workers) {
    max_concurrent_.Add({{"controller", controller}}).Set(workers);
}

void RuntimeMetrics::on_request(std::string_view method, std::string_view code) {
    rest_requests_.Add({{"code", std::string(code)}, {"method", std::string(method)}, {"host", api_host_}}).Increment();
}

void RuntimeMetrics::set_leader(const std::string& lease_name, bool leading) {
    leader_status_.Add({{"name", lease_name}}).Set(leading ? 1 : 0);
}

void RuntimeMetrics::add_text_family(std::function<void(std::string& out)> write) {
    text_families_.push_back(std::move(write));
}

std::string RuntimeMetrics::serialize() const {
    std::string out = prometheus::TextSerializer().Serialize(registry_->Collect());
    for (const auto& write : text_families_) write(out);
    return out;
}

} // namespace labfleet::kube
