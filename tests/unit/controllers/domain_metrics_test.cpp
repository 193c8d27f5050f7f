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
