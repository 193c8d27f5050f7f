#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

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
    labfleet::kube::RuntimeMetrics runtime;
    prometheus::Registry& registry = runtime.registry();
    DomainMetrics metrics(runtime);
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

TEST_CASE("labfleet_workload_image_info has a series per image of each pair, replaced per workload",
          "[controllers][metrics]") {
    labfleet::kube::RuntimeMetrics runtime;
    DomainMetrics metrics(runtime);
    metrics.set_workload_images("intro", {{"stg", {{"r/intro-files:2", "target"}, {"r/intro:2", "channel"}}},
                                          {"qa", {{"r/intro:1", "lease/borrow"}, {"r/intro-files:1", "pinned"}}}});
    metrics.set_workload_images("kube", {{"stg", {{"r/kube:7", "environment"}}}});
    const std::string help =
        "# HELP labfleet_workload_image_info The image each workload runs on each target and why that tag won "
        "(value is always 1)\n# TYPE labfleet_workload_image_info gauge\n";
    const std::string intro_qa =
        R"(labfleet_workload_image_info{workload="intro",target="qa",image="r/intro-files:1",source="pinned"} 1
labfleet_workload_image_info{workload="intro",target="qa",image="r/intro:1",source="lease/borrow"} 1
)";
    const std::string intro_stg =
        R"(labfleet_workload_image_info{workload="intro",target="stg",image="r/intro-files:2",source="target"} 1
labfleet_workload_image_info{workload="intro",target="stg",image="r/intro:2",source="channel"} 1
)";
    const std::string kube_stg =
        R"(labfleet_workload_image_info{workload="kube",target="stg",image="r/kube:7",source="environment"} 1
)";
    std::string text;
    metrics.write_image_info(text);
    CHECK(text == help + intro_qa + intro_stg + kube_stg);
    CHECK(runtime.serialize().find(help + intro_qa) != std::string::npos);  // every scrape has them

    SECTION("a workload's pairs are replaced as a whole: a pair gone loses its series") {
        metrics.set_workload_images("intro", {{"stg", {{"r/intro-files:2", "target"}, {"r/intro:2", "channel"}}}});
        text.clear();
        metrics.write_image_info(text);
        CHECK(text == help + intro_stg + kube_stg);
    }
    SECTION("the same pairs again, in any order, leave the series as they were") {
        metrics.set_workload_images("intro", {{"qa", {{"r/intro-files:1", "pinned"}, {"r/intro:1", "lease/borrow"}}},
                                              {"stg", {{"r/intro:2", "channel"}, {"r/intro-files:2", "target"}}}});
        text.clear();
        metrics.write_image_info(text);
        CHECK(text == help + intro_qa + intro_stg + kube_stg);
    }
    SECTION("a changed image or an added pair replaces the workload's series") {
        metrics.set_workload_images("kube", {{"stg", {{"r/kube:8", "environment"}}}});
        metrics.set_workload_images("intro", {{"qa", {{"r/intro-files:1", "pinned"}, {"r/intro:1", "lease/borrow"}}},
                                              {"stg", {{"r/intro-files:2", "target"}, {"r/intro:2", "channel"}}},
                                              {"uat", {{"r/intro:3", "channel"}}}});
        text.clear();
        metrics.write_image_info(text);
        CHECK(text == help + intro_qa + intro_stg +
                          R"(labfleet_workload_image_info{workload="intro",target="uat",image="r/intro:3",source="channel"} 1
labfleet_workload_image_info{workload="kube",target="stg",image="r/kube:8",source="environment"} 1
)");
    }
    SECTION("a workload forgotten loses all its series, others keep theirs") {
        metrics.forget_workload("intro");
        metrics.forget_workload("never-seen");
        text.clear();
        metrics.write_image_info(text);
        CHECK(text == help + kube_stg);
    }
    SECTION("label values are escaped as the text format wants") {
        metrics.set_workload_images("odd", {{"t", {{"a\"b\\c\nd", "pinned"}}}});
        text.clear();
        metrics.write_image_info(text);
        CHECK(text.find(R"(image="a\"b\\c\nd")") != std::string::npos);
    }
}

namespace {

labfleet::kube::ObjectPtr with_conditions(const std::string& name, const std::string& rv, const Json& conditions) {
    return std::make_shared<const Json>(
        Json{{"metadata", {{"name", name}, {"resourceVersion", rv}}}, {"status", {{"conditions", conditions}}}});
}

Json condition(const char* type, const char* status) { return {{"type", type}, {"status", status}}; }

/// The three labfleet_resource_condition lines of one condition whose status is `status`.
std::string condition_lines(const std::string& kind, const std::string& name, const std::string& type,
                            const std::string& status) {
    std::string lines;
    for (const std::string value : {"True", "False", "Unknown"})
        lines += "labfleet_resource_condition{kind=\"" + kind + "\",name=\"" + name + "\",type=\"" + type +
                 "\",status=\"" + value + "\"} " + (value == status ? "1" : "0") + "\n";
    return lines;
}

const std::string condition_help =
    "# HELP labfleet_resource_condition The status of each condition of each Labfleet object (1 for its current "
    "status, 0 for the others)\n# TYPE labfleet_resource_condition gauge\n";
const std::string phase_help =
    "# HELP labfleet_lease_phase The phase of each EnvironmentLease (value is always 1)\n"
    "# TYPE labfleet_lease_phase gauge\n";

std::string object_series(DomainMetrics& metrics) {
    std::string text;
    metrics.write_object_series(text);
    return text;
}

} // namespace

TEST_CASE("labfleet_resource_condition and labfleet_lease_phase follow the cached objects",
          "[controllers][metrics]") {
    labfleet::kube::RuntimeMetrics runtime;
    DomainMetrics metrics(runtime);
    Store workloads, targets, policies, leases;
    // Cached before export starts, as a cache's silent first sync leaves them.
    workloads.apply(
        with_conditions("intro", "1", Json::array({condition("Ready", "False"), condition("Degraded", "True")})));
    metrics.export_objects({workloads, targets, policies, leases});
    targets.apply(with_conditions("stg", "2", Json::array({condition("Ready", "True")})));
    policies.apply(with_conditions("all", "3", Json::array({condition("Stalled", "Unknown")})));
    leases.apply(lease("borrow", "4", nullptr));
    const std::string intro = condition_lines("Workload", "intro", "Ready", "False") +
                              condition_lines("Workload", "intro", "Degraded", "True");
    const std::string others = condition_lines("DeploymentTarget", "stg", "Ready", "True") +
                               condition_lines("SchedulingPolicy", "all", "Stalled", "Unknown");
    CHECK(object_series(metrics) ==
          condition_help + intro + others + phase_help +
              "labfleet_lease_phase{name=\"borrow\",target=\"stg\",phase=\"Pending\"} 1\n");
    CHECK(runtime.serialize().find(condition_help + intro) != std::string::npos);  // every scrape has them

    SECTION("a changed status flips the series, a changed phase replaces the lease's") {
        workloads.apply(
            with_conditions("intro", "5", Json::array({condition("Ready", "True"), condition("Degraded", "False")})));
        Json granted = *lease("borrow", "6", "Active");
        granted["status"]["conditions"] = Json::array({condition("Ready", "True")});
        leases.apply(std::make_shared<const Json>(std::move(granted)));
        CHECK(object_series(metrics) ==
              condition_help + condition_lines("Workload", "intro", "Ready", "True") +
                  condition_lines("Workload", "intro", "Degraded", "False") + others +
                  condition_lines("EnvironmentLease", "borrow", "Ready", "True") + phase_help +
                  "labfleet_lease_phase{name=\"borrow\",target=\"stg\",phase=\"Active\"} 1\n");
    }
    SECTION("a deleted object has no series left") {
        workloads.remove(with_conditions("intro", "7", Json::array()));
        leases.remove(lease("borrow", "8", nullptr));
        CHECK(object_series(metrics) == condition_help + others + phase_help);
    }
    SECTION("a relist swap that drops an object drops its series") {
        targets.init_begin();
        targets.init_apply({});
        targets.init_done("9");
        CHECK(object_series(metrics) ==
              condition_help + intro + condition_lines("SchedulingPolicy", "all", "Stalled", "Unknown") + phase_help +
                  "labfleet_lease_phase{name=\"borrow\",target=\"stg\",phase=\"Pending\"} 1\n");
    }
}

namespace {

labfleet::kube::ObjectPtr timed_lease(const std::string& rv, const char* phase, const char* acquired_at) {
    Json object = *lease("borrow", rv, phase);
    object["metadata"]["creationTimestamp"] = "2026-01-02T03:00:00Z";
    if (acquired_at != nullptr) object["status"]["acquiredAt"] = acquired_at;
    return std::make_shared<const Json>(std::move(object));
}

/// (sample count, sample sum) of labfleet_lease_queue_wait_seconds.
std::pair<std::uint64_t, double> queue_wait(prometheus::Registry& registry) {
    for (const auto& family : registry.Collect())
        if (family.name == "labfleet_lease_queue_wait_seconds" && !family.metric.empty())
            return {family.metric.front().histogram.sample_count, family.metric.front().histogram.sample_sum};
    return {0, -1};
}

} // namespace

TEST_CASE("labfleet_lease_queue_wait_seconds observes each grant once, on the leader",
          "[controllers][metrics]") {
    labfleet::kube::RuntimeMetrics runtime;
    DomainMetrics metrics(runtime);
    Store leases;
    leases.apply(timed_lease("1", "Active", "2026-01-02T03:00:05Z"));  // granted before a restart
    bool leading = true;
    metrics.observe_queue_waits(leases, [&leading] { return leading; });
    CHECK(queue_wait(runtime.registry()) == std::pair<std::uint64_t, double>{0, 0});

    leases.apply(timed_lease("2", "Active", "2026-01-02T03:00:05Z"));  // an update of the granted lease
    leases.remove(timed_lease("3", "Active", "2026-01-02T03:00:05Z"));
    leases.apply(timed_lease("4", nullptr, nullptr));
    leases.apply(timed_lease("5", "Active", "2026-01-02T03:01:30.500000Z"));  // the grant
    CHECK(queue_wait(runtime.registry()) == std::pair<std::uint64_t, double>{1, 90.5});
    leases.apply(timed_lease("6", "Released", "2026-01-02T03:01:30.500000Z"));
    CHECK(queue_wait(runtime.registry()).first == 1);

    SECTION("a standby sees the grant but does not observe it") {
        leading = false;
        leases.remove(timed_lease("7", "Released", nullptr));
        leases.apply(timed_lease("8", nullptr, nullptr));
        leases.apply(timed_lease("9", "Active", "2026-01-02T03:00:01Z"));
        CHECK(queue_wait(runtime.registry()).first == 1);
    }
}
