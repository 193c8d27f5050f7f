#include <catch2/catch.hpp>

#include "controllers/served_leases.hpp"

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
    const Json target = {{"status", {{"servedLeases", to_json(record)}}}};
    CHECK(read_served_leases(target) == record);
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

    const Json odd = {{"status",
                       {{"servedLeases",
                         {{{"name", "a"}, {"deletedAt", "2026-01-01T00:00:00Z"}}, {{"name", 3}}, "x",
                          {{"name", "b"}, {"deletedAt", "yesterday"}}}}}}};
    const auto read = read_served_leases(odd);
    REQUIRE(read.size() == 1);
    CHECK(read[0].name == "a");
    CHECK(read_served_leases(Json{{"status", {{"servedLeases", "no"}}}}).empty());
}

TEST_CASE("a served name outlasts a short retention: a GitOps tool restores it minutes later", "[controllers][served_leases]") {
    CHECK(served_lease_memory(3s) == std::chrono::hours(24));
    CHECK(served_lease_memory(std::chrono::hours(48)) == std::chrono::hours(48));
    const WallTime deleted = t0;
    const auto record = record_served({}, {"from-git"}, deleted, served_lease_memory(3s));
    CHECK(recently_served(record, deleted + 10min, served_lease_memory(3s)).contains("from-git"));
    CHECK_FALSE(recently_served(record, deleted + 25h, served_lease_memory(3s)).contains("from-git"));
}
