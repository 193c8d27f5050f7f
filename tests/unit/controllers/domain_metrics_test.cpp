#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "controllers/domain_metrics.hpp"

using namespace labfleet::controllers;
using labfleet::kube::Json;
using labfleet::kube::Store;

namespace {

labfleet::kube::ObjectPtr lease(const std::string& name, const std::string& rv, const char* phase) {
    Json object = {{"metadata", {{"name", name}, {"resourceVersion", rv}}}, {"spec", {{"target", "stg"}}}};
    if (phase != nullptr) object["status"] = {{"phase", phase}};
    return std::make_shared<const Json>(std::move(object));
}

double gauge(prometheus::Registry& registry, const std::string& phase) {
    for (const auto& family : registry.Collect()) {
        if (family.name != "labfleet_leases") continue;
        for (const auto& metric : family.metric)
            for (const auto& label : metric.label)
                if (label.name == "phase" && label.value == phase) return metric.gauge.value;
    }
    return -1;
}

} // namespace

TEST_CASE("labfleet_leases counts the cache by phase through every change", "[controllers][metrics]") {
    prometheus::Registry registry;
    DomainMetrics metrics(registry);
    Store leases;
    leases.apply(lease("before", "1", "Active"));  // cached before counting starts
    metrics.count_leases(leases);
    CHECK(gauge(registry, "Active") == 1);
    CHECK(gauge(registry, "Pending") == 0);
    CHECK(gauge(registry, "Released") == 0);

    leases.apply(lease("new", "2", nullptr));  // no status yet: Pending
    CHECK(gauge(registry, "Pending") == 1);
    leases.apply(lease("odd", "3", "Sideways"));  // unknown phases are not counted
    leases.apply(lease("before", "4", "Expired"));
    CHECK(gauge(registry, "Active") == 0);
    CHECK(gauge(registry, "Expired") == 1);
    leases.apply(lease("new", "5", "Active"));
    CHECK(gauge(registry, "Pending") == 0);
    CHECK(gauge(registry, "Active") == 1);
    leases.remove(lease("before", "6", "Expired"));
    leases.remove(lease("odd", "7", "Sideways"));
    CHECK(gauge(registry, "Expired") == 0);

    SECTION("a relist swap is counted like live events") {
        leases.init_begin();
        leases.init_apply({lease("new", "8", "Released"), lease("late", "9", nullptr)});
        leases.init_done("9");
        CHECK(gauge(registry, "Active") == 0);
        CHECK(gauge(registry, "Released") == 1);
        CHECK(gauge(registry, "Pending") == 1);
    }
}
