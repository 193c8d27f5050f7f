#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include "clusters/cluster_metrics.hpp"

using namespace labfleet;

namespace {

/// The value of `family`'s series for `cluster` (gauge or counter), or -1 when there is none.
double value_of(prometheus::Registry& registry, const std::string& family, const std::string& cluster,
                const std::string& code = "") {
    for (const auto& collected : registry.Collect()) {
        if (collected.name != family) continue;
        for (const auto& metric : collected.metric) {
            bool matches = false, code_matches = code.empty();
            for (const auto& label : metric.label) {
                if (label.name == "cluster" && label.value == cluster) matches = true;
                if (label.name == "code" && label.value == code) code_matches = true;
            }
            if (matches && code_matches)
                return collected.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
        }
    }
    return -1;
}

} // namespace

TEST_CASE("cluster metrics: per cluster, and gone with the cluster", "[clusters]") {
    prometheus::Registry registry;
    clusters::ClusterMetrics metrics(registry);
    metrics.set_up("eu", true);
    metrics.set_up("us", false);
    metrics.request("eu", "GET", "200");
    metrics.request("eu", "GET", "200");
    metrics.request("eu", "PATCH", "<error>");
    metrics.set_cached_objects("eu", 6);
    metrics.add_watch_restarts("eu", 2);
    metrics.add_watch_restarts("eu", 1);
    metrics.set_credential_expiry("eu", std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}});
    metrics.set_credential_expiry("us", std::nullopt);
    CHECK(value_of(registry, "labfleet_cluster_up", "eu") == 1);
    CHECK(value_of(registry, "labfleet_cluster_up", "us") == 0);
    CHECK(value_of(registry, "labfleet_cluster_requests_total", "eu", "200") == 2);
    CHECK(value_of(registry, "labfleet_cluster_requests_total", "eu", "<error>") == 1);
    CHECK(value_of(registry, "labfleet_cluster_cached_objects", "eu") == 6);
    CHECK(value_of(registry, "labfleet_cluster_watch_restarts_total", "eu") == 3);
    CHECK(value_of(registry, "labfleet_cluster_credential_expiry_timestamp_seconds", "eu") == 1'800'000'000);
    CHECK(value_of(registry, "labfleet_cluster_credential_expiry_timestamp_seconds", "us") == -1);  // states none

    metrics.forget("eu");
    CHECK(value_of(registry, "labfleet_cluster_watch_restarts_total", "eu") == -1);
    CHECK(value_of(registry, "labfleet_cluster_credential_expiry_timestamp_seconds", "eu") == -1);
    CHECK(value_of(registry, "labfleet_cluster_up", "eu") == -1);
    CHECK(value_of(registry, "labfleet_cluster_requests_total", "eu") == -1);
    CHECK(value_of(registry, "labfleet_cluster_cached_objects", "eu") == -1);
    CHECK(value_of(registry, "labfleet_cluster_up", "us") == 0);  // the others stay
}
