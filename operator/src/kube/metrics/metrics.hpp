#pragma once
// RuntimeMetrics: the controller-runtime metric families (same names and
// labels, so existing dashboards and alerts work) in one prometheus registry,
// plus the adapters that feed them from the work queue and the REST client.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "kube/client/metrics_client.hpp"
#include "kube/controller/work_queue.hpp"

namespace labfleet::kube {

class RuntimeMetrics final : public RequestObserver {
public:
    /// `api_host` labels rest_client_requests_total (the API server's host:port).
    explicit RuntimeMetrics(std::string api_host = "");

    prometheus::Registry& registry() { return *registry_; }
    std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }

    /// workqueue_* for the queue of `controller` (label name=controller=it).
    std::unique_ptr<WorkQueueObserver> work_queue_observer(const std::string& controller);

    /// One finished reconcile: result is success|error|requeue|requeue_after.
    void reconciled(const std::string& controller, const std::string& result, std::chrono::nanoseconds took);
    void set_active_workers(const std::string& controller, int workers);
    void set_max_concurrent_reconciles(const std::string& controller, int workers);
    /// rest_client_requests_total{code, method, host}.
    void on_request(std::string_view method, std::string_view code) override;
    /// leader_election_master_status{name}: 1 while leading.
    void set_leader(const std::string& lease_name, bool leading);

    /// Adds a metric family kept outside the registry: `write` appends it in
    /// the text format to every serialize(). For big, label-heavy families
    /// (one series per workload and target), which the registry would hold
    /// as label maps and copy twice at every scrape.
    void add_text_family(std::function<void(std::string& out)> write);

    /// Text exposition format of everything in the registry, then the text families.
    std::string serialize() const;

private:
    std::vector<std::function<void(std::string&)>> text_families_;
    std::string api_host_;
    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter>& reconcile_total_;
    prometheus::Family<prometheus::Counter>& reconcile_errors_;
    prometheus::Family<prometheus::Histogram>& reconcile_time_;
    prometheus::Family<prometheus::Gauge>& active_workers_;
    prometheus::Family<prometheus::Gauge>& max_concurrent_;
    prometheus::Family<prometheus::Gauge>& queue_depth_;
    prometheus::Family<prometheus::Counter>& queue_adds_;
    prometheus::Family<prometheus::Histogram>& queue_duration_;
    prometheus::Family<prometheus::Histogram>& work_duration_;
    prometheus::Family<prometheus::Counter>& queue_retries_;
    prometheus::Family<prometheus::Counter>& rest_requests_;
    prometheus::Family<prometheus::Gauge>& leader_status_;
};

} // namespace labfleet::kube
