#include <catch2/catch.hpp>

#include "kube/json/json_fields.hpp"
#include "kube/meta/time_format.hpp"
#include "plugin/views.hpp"

using namespace labfleet;
using namespace labfleet::plugin;

namespace {

kube::Json lease(std::string name, std::string target, std::string holder, std::string phase, int position = 0,
                 std::string expires = "") {
    kube::Json status{{"phase", phase}};
    if (position) status["queuePosition"] = position;
    if (!expires.empty()) status["expiresAt"] = expires, status["acquiredAt"] = "2026-12-01T10:00:00Z";
    return {{"metadata", {{"name", name}}},
            {"spec", {{"target", target}, {"holder", holder}, {"overrides", {{{"workload", "web"}, {"files", {{"tag", "pr-1"}}}}}}}},
            {"status", status}};
}

kube::WallTime at(const char* text) { return *kube::parse_rfc3339(text); }

} // namespace

TEST_CASE("leases: Active first, then the queue in order, time left for the Active one") {
    std::vector<kube::Json> leases{lease("b", "stg", "carol", "Pending", 2), lease("a", "stg", "bob", "Pending", 1),
                                   lease("z", "stg", "alice", "Active", 0, "2026-12-01T12:00:00Z"),
                                   lease("q", "qa", "dave", "Expired")};
    const auto text = render_table(leases_table(leases, at("2026-12-01T10:30:00Z"), false));
    CHECK(text ==
          "NAME   TARGET   HOLDER   PHASE     POSITION   TIME-LEFT\n"
          "q      qa       dave     Expired   -          -\n"
          "z      stg      alice    Active    -          1h30m\n"
          "a      stg      bob      Pending   1          -\n"
          "b      stg      carol    Pending   2          -\n");
    const auto wide = leases_table(leases, at("2026-12-01T10:30:00Z"), true);
    CHECK(wide.header.back() == "OVERRIDES");
    CHECK(wide.rows[1].back() == "web=pr-1");
    CHECK(wide.header[wide.header.size() - 2] == "BASE");
    CHECK(wide.rows[1][wide.header.size() - 2] == "-");
    leases[2]["spec"]["base"] = "prod";
    CHECK(leases_table(leases, at("2026-12-01T10:30:00Z"), true).rows[1][wide.header.size() - 2] == "prod");
    CHECK(render_table({{"NAME"}, {}}) == "No resources found.\n");
}

TEST_CASE("status: one row per target with the tag's source and ready replicas") {
    kube::Json workload{{"metadata", {{"name", "web"}}},
                        {"spec", {{"replicas", 2}}},
                        {"status", {{"targets", {{{"name", "stg"}, {"environment", "stg"}, {"workshopImage", "r/w:prod"},
                                                  {"filesImage", "r/f:pr-1"}, {"source", "lease/stg-x"},
                                                  {"readyReplicas", 1}}}}}}};
    kube::Json unplaced{{"metadata", {{"name", "idle"}}}};
    const auto table = status_table({workload, unplaced}, true, {{"stg", ""}});
    REQUIRE(table.rows.size() == 2);
    CHECK(table.header.back() == "CLUSTER");
    CHECK(table.rows[0] ==
          std::vector<std::string>{"web", "stg", "r/w:prod", "r/f:pr-1", "lease/stg-x", "1/2", "stg", "-"});
    CHECK(table.rows[1][1] == "<none>");
    CHECK(table.rows[1].size() == table.header.size());
    CHECK(status_table({workload}, true, {{"stg", "eu"}}).rows[0].back() == "eu");  // a target in another cluster
    CHECK(status_table({workload}, true, {}).rows[0].back() == "?");             // a target not listed
    CHECK(status_table({workload}, false).rows[0].size() == 6);
}

TEST_CASE("the caller's open leases and the queue line") {
    std::vector<kube::Json> leases{lease("a", "stg", "alice", "Active", 0, "2026-12-01T12:00:00Z"),
                                   lease("b", "stg", "bob", "Pending", 1), lease("c", "qa", "bob", "Released"),
                                   lease("d", "qa", "bob", "Active", 0, "2026-12-01T11:00:00Z")};
    CHECK(open_leases_of(leases, "bob", std::nullopt).size() == 2);
    CHECK(open_leases_of(leases, "bob", std::string("stg")).size() == 1);
    const kube::Json* holder = active_lease_on(leases, "stg");
    REQUIRE(holder);
    CHECK(queue_line(leases[1], holder, at("2026-12-01T11:59:00Z")) ==
          "queued at position 1 on stg; held by alice until 12:00:00 UTC (1m left)");
    CHECK(time_left(at("2026-12-01T10:00:00Z"), at("2026-12-01T11:00:00Z")) == "0s");
}

TEST_CASE("the lease holding a target is the operator's choice, among the leases that decode") {
    auto first = lease("b-first", "stg", "alice", "Active", 0, "2026-12-01T12:00:00Z");
    auto later = lease("a-later", "stg", "bob", "Active", 0, "2026-12-01T12:00:00Z");
    first["status"]["acquiredAt"] = "2026-12-01T10:00:00Z";
    later["status"]["acquiredAt"] = "2026-12-01T10:05:00Z";
    auto broken = lease("0-broken", "stg", "eve", "Active", 0, "2026-12-01T12:00:00Z");
    broken["status"]["acquiredAt"] = "2026-12-01T09:00:00Z";
    broken["spec"].erase("holder");  // refused by controllers' decoding: it holds nothing
    std::vector<kube::Json> leases{later, broken, first, lease("c", "qa", "carol", "Pending", 1)};
    const kube::Json* holder = active_lease_on(leases, "stg");
    REQUIRE(holder);
    CHECK(kube::string_at(*holder, "/metadata/name") == "b-first");
    // The same acquiredAt: the queue order (creationTimestamp, then name) decides, not the list's.
    leases[0]["status"]["acquiredAt"] = "2026-12-01T10:00:00Z";
    leases[0]["metadata"]["creationTimestamp"] = "2026-12-01T09:59:00Z";
    leases[2]["metadata"]["creationTimestamp"] = "2026-12-01T09:58:00Z";
    CHECK(kube::string_at(*active_lease_on(leases, "stg"), "/metadata/name") == "b-first");
    CHECK(active_lease_on(leases, "qa") == nullptr);
    CHECK(active_lease_on({}, "stg") == nullptr);
}

TEST_CASE("placed_targets: the status's targets when it lists them all, nothing to go by when capped") {
    kube::Json workload{{"status", {{"targets", {{{"name", "stg"}}, {{"name", "qa"}}}}, {"readyTargets", "1/2"}}}};
    CHECK(placed_targets(workload) == std::vector<std::string>{"stg", "qa"});
    workload["status"]["readyTargets"] = "1/250";  // 250 assigned, only two listed
    CHECK(placed_targets(workload) == std::nullopt);
    CHECK(placed_targets(kube::Json{{"metadata", {{"name", "new"}}}}) == std::vector<std::string>{});
}

namespace {

kube::Json promoting_workload() {
    auto environment = [](std::string name, std::string workshop, std::string files, std::string since,
                          std::string state) {
        return kube::Json{{"name", name}, {"workshopTag", workshop}, {"filesTag", files}, {"since", since},
                          {"state", state}};
    };
    kube::Json stg = environment("stg", "1.5.0", "1.5.0", "2026-12-05T11:07:00Z", "Soaking");
    stg["servedSince"] = "2026-12-05T11:07:30Z";
    kube::Json prod = environment("prod", "1.4.0", "1.4.1", "2026-12-01T09:00:00Z", "AwaitingApproval");
    prod["message"] = "waits for an approval of 1.5.0";
    return {{"metadata", {{"name", "web"}}},
            {"status",
             {{"promotion",
               {{"candidate", {{"workshopTag", "1.5.0"}, {"filesTag", "1.5.0"}}},
                {"phase", "Promoting"},
                {"summary", "stg 1.5.0 soaking 3m/10m"},
                {"message", "stg serves 1.5.0; prod needs an approval"},
                {"environments",
                 {environment("dev", "1.5.0", "1.5.0", "2026-12-05T11:00:00Z", "Passed"), stg, prod}}}}}}};
}

} // namespace

TEST_CASE("status: the promotion, one line per environment with its version, state and age") {
    const auto now = at("2026-12-05T11:10:30Z");
    CHECK(promotion_view(promoting_workload(), now, false) ==
          "promotion of 1.5.0: Promoting (stg 1.5.0 soaking 3m/10m)\n"
          "  stg serves 1.5.0; prod needs an approval\n"
          "ENVIRONMENT   VERSION       STATE              SINCE\n"
          "dev           1.5.0         Passed             10m30s\n"
          "stg           1.5.0         Soaking            3m30s\n"
          "prod          1.4.0/1.4.1   AwaitingApproval   98h10m30s\n");
    const auto wide = promotion_view(promoting_workload(), now, true);
    CHECK_THAT(wide, Catch::Contains("SINCE       SERVING   MESSAGE\n"));
    CHECK_THAT(wide, Catch::Contains("Soaking            3m30s       3m        -\n"));
    CHECK_THAT(wide, Catch::Contains("98h10m30s   -         waits for an approval of 1.5.0\n"));
    CHECK(promotion_view(kube::Json{{"metadata", {{"name", "web"}}}}, now, false).empty());
    CHECK(age(at("2026-12-05T11:00:00Z"), now) == "10m30s");
    CHECK(age(now + std::chrono::minutes(1), now) == "0s");
}

TEST_CASE("status: a promotion with missing or malformed fields prints a bounded block") {
    const auto now = at("2026-12-05T11:10:30Z");
    CHECK(promotion_view(kube::Json{{"status", {{"promotion", kube::Json::object()}}}}, now, false) ==
          "promotion of -: -\n  no environment reported yet\n");
    CHECK(promotion_view(kube::Json{{"status", {{"promotion", "Promoting"}}}}, now, false).empty());
    CHECK(promotion_view(kube::Json{{"status", nullptr}}, now, false).empty());
    CHECK(promotion_view(kube::Json::array(), now, false).empty());

    auto odd = promoting_workload();
    auto& promotion = odd["status"]["promotion"];
    promotion["candidate"] = "1.5.0";
    promotion["phase"] = 3;
    promotion["message"] = std::string("line\n\x1b[31mred") + std::string(5000, 'm');
    promotion["environments"] = {{{"name", "dev"}, {"since", "yesterday"}, {"workshopTag", "1.5.0"}}, 7, nullptr};
    for (int i = 0; i < 20; ++i) promotion["environments"].push_back({{"name", "e" + std::to_string(i)}});
    const auto text = promotion_view(odd, now, true);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK_THAT(text, Catch::StartsWith("promotion of -: - (stg 1.5.0 soaking 3m/10m)\n  line??[31mred"));
    CHECK_THAT(text, Catch::Contains("dev           1.5.0/?   -       -       -         -\n"));
    CHECK_THAT(text, Catch::Contains("(13 more environments not shown)\n"));
    CHECK(text.size() < 2000);
    CHECK(printable("ok\xc2\x9b" "2J", 10) == "ok?2J");
    CHECK(printable(std::string(20, 'a'), 10).size() <= 10);
}
