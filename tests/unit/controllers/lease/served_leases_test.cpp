#include <catch2/catch.hpp>

#include "controllers/lease/served_leases.hpp"
#include "kube/meta/time_format.hpp"

using namespace labfleet::controllers;
using namespace std::chrono_literals;
using labfleet::kube::Json;
using labfleet::kube::WallTime;

namespace {
const WallTime t0{std::chrono::seconds{1'700'000'000}};
}

TEST_CASE("served leases: recorded, read back, recent for one retention period", "[controllers][served_leases]") {
    auto record = record_served({}, {"pr-1", "pr-2"}, t0 + 250ms, 24h);
    REQUIRE(record.size() == 2);
    CHECK(record[0] == ServedLease{"pr-1", t0});
    const Json config_map = served_leases_config_map("stg", "labfleet-system", record);
    CHECK(read_served_leases(config_map) == record);
    CHECK(recently_served(record, t0 + 23h, 24h) == std::set<std::string, std::less<>>{"pr-1", "pr-2"});
    CHECK(recently_served(record, t0 + 24h, 24h).empty());

    // Recorded again later: one entry per name, the latest; old ones drop out.
    record = record_served(record, {"pr-1"}, t0 + 12h, 24h);
    REQUIRE(record.size() == 2);
    CHECK(record[0].name == "pr-2");
    CHECK(record[1] == ServedLease{"pr-1", t0 + 12h});
    record = record_served(record, {"pr-3"}, t0 + 30h, 24h);
    CHECK(record == std::vector<ServedLease>{{"pr-1", t0 + 12h}, {"pr-3", t0 + 30h}});
}

TEST_CASE("served leases: bounded, the newest kept, unreadable entries skipped", "[controllers][served_leases]") {
    std::vector<ServedLease> record;
    for (int i = 0; i < 300; ++i) record = record_served(record, {"l" + std::to_string(i)}, t0 + std::chrono::seconds(i), 24h);
    REQUIRE(record.size() == max_served_leases);
    CHECK(record.front().name == "l44");
    CHECK(record.back().name == "l299");

    const Json odd_target = {{"status",
                       {{"servedLeases",
                         {{{"name", "a"}, {"deletedAt", "2026-01-01T00:00:00Z"}}, {{"name", 3}}, "x",
                          {{"name", "b"}, {"deletedAt", "yesterday"}}}}}}};
    const auto read = read_target_served_leases(odd_target);
    REQUIRE(read.size() == 1);
    CHECK(read[0].name == "a");
    CHECK(read_target_served_leases(Json{{"status", {{"servedLeases", "no"}}}}).empty());
    const Json odd_config_map = {{"data", {{"a", "2026-01-01T00:00:00Z"}, {"b", "yesterday"}}}};
    const WallTime new_year = *labfleet::kube::parse_rfc3339("2026-01-01T00:00:00Z");
    CHECK(read_served_leases(odd_config_map) == std::vector<ServedLease>{{"a", new_year}});
    CHECK(read_served_leases(Json{{"data", "no"}}).empty());
    CHECK(read_served_leases(Json::object()).empty());
}

TEST_CASE("a served name outlasts a short retention: a GitOps tool restores it minutes later", "[controllers][served_leases]") {
    CHECK(served_lease_memory(3s) == std::chrono::hours(24));
    CHECK(served_lease_memory(std::chrono::hours(48)) == std::chrono::hours(48));
    const WallTime deleted = t0;
    const auto record = record_served({}, {"from-git"}, deleted, served_lease_memory(3s));
    CHECK(recently_served(record, deleted + 10min, served_lease_memory(3s)).contains("from-git"));
    CHECK_FALSE(recently_served(record, deleted + 25h, served_lease_memory(3s)).contains("from-git"));
}

TEST_CASE("a target's record is a ConfigMap named after it, outside the children's label",
          "[controllers][served_leases]") {
    const Json config_map = served_leases_config_map("stg", "labfleet-system", {{"pr-1", t0}});
    CHECK(config_map["metadata"]["name"] == "labfleet-served-leases-stg");
    CHECK(config_map["metadata"]["namespace"] == "labfleet-system");
    CHECK(config_map["metadata"]["annotations"]["labfleet.dev/target"] == "stg");
    // Not a child: the workload controller caches and prunes what carries managed-by.
    CHECK_FALSE(config_map["metadata"]["labels"].contains("app.kubernetes.io/managed-by"));
    CHECK(config_map["data"]["pr-1"] == labfleet::kube::format_rfc3339(t0));

    // A name that would pass 253 characters: cut, and told apart by a hash.
    const std::string long_a(250, 'a');
    const std::string long_b = std::string(249, 'a') + "b";
    const std::string name_a = served_leases_record_name(long_a);
    CHECK(name_a.size() <= 253);
    CHECK(name_a.rfind("labfleet-served-leases-aaa", 0) == 0);
    CHECK(name_a != served_leases_record_name(long_b));
    CHECK(name_a == served_leases_record_name(long_a));
}

TEST_CASE("the record's patch removes the names that left and is guarded by the read's resourceVersion",
          "[controllers][served_leases]") {
    const std::vector<ServedLease> before{{"old", t0}, {"kept", t0 + 1h}};
    const std::vector<ServedLease> after{{"kept", t0 + 1h}, {"new", t0 + 25h}};
    const Json patch = served_leases_patch(before, after, "42");
    CHECK(patch["metadata"]["resourceVersion"] == "42");
    CHECK(patch["data"]["old"].is_null());
    CHECK(patch["data"]["kept"] == labfleet::kube::format_rfc3339(t0 + 1h));
    CHECK(patch["data"]["new"] == labfleet::kube::format_rfc3339(t0 + 25h));
    Json stored = served_leases_config_map("stg", "ns", before);
    stored.merge_patch(patch);
    CHECK(read_served_leases(stored) == std::vector<ServedLease>{{"kept", t0 + 1h}, {"new", t0 + 25h}});
}
