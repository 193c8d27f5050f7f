#include <catch2/catch.hpp>

#include "plugin/promotion_approval.hpp"

using namespace labfleet;
using namespace labfleet::plugin;

namespace {

kube::Json approval(const std::string& environment, const std::string& workshop, const std::string& files) {
    return {{"environment", environment}, {"workshop", {{"tag", workshop}}}, {"files", {{"tag", files}}}};
}

kube::Json workload(kube::Json approvals = kube::Json::array()) {
    kube::Json promotion{{"environments", {"dev", "stg", "prod"}},
                         {"candidate", {{"workshop", {{"tag", "1.5.0"}}}, {"files", {{"tag", "1.5.0"}}}}},
                         {"approvalRequired", {"prod"}}};
    if (!approvals.empty()) promotion["approvals"] = std::move(approvals);
    return {{"metadata", {{"name", "web"}, {"resourceVersion", "42"}}}, {"spec", {{"promotion", promotion}}}};
}

const ApprovalPatch& patch_of(const ApprovalPlan& plan) {
    if (auto* refused = std::get_if<ApprovalRefused>(&plan)) FAIL("refused: " << refused->message);
    REQUIRE(std::holds_alternative<ApprovalPatch>(plan));
    return std::get<ApprovalPatch>(plan);
}

std::string refusal_of(const ApprovalPlan& plan) {
    REQUIRE(std::holds_alternative<ApprovalRefused>(plan));
    return std::get<ApprovalRefused>(plan).message;
}

} // namespace

TEST_CASE("promote: the approval of the current candidate, guarded by the resourceVersion read") {
    const auto plan = plan_approval(workload(), "prod");
    const auto& approved = patch_of(plan);
    CHECK(approved.version == "1.5.0");
    CHECK(approved.approval_required);
    CHECK(approved.replaced.empty());
    CHECK(approved.patch == kube::Json{{"metadata", {{"resourceVersion", "42"}}},
                                       {"spec", {{"promotion", {{"approvals", {approval("prod", "1.5.0", "1.5.0")}}}}}}});
}

TEST_CASE("promote: an identical approval is there already: nothing to write") {
    auto w = workload({approval("prod", "1.5.0", "1.5.0")});
    const auto plan = plan_approval(w, "prod");
    REQUIRE(std::holds_alternative<AlreadyApproved>(plan));
    CHECK(std::get<AlreadyApproved>(plan).version == "1.5.0");
    // Same environment, one tag differs: not the same approval.
    w["spec"]["promotion"]["approvals"][0]["files"]["tag"] = "1.5.1";
    CHECK(std::holds_alternative<ApprovalPatch>(plan_approval(w, "prod")));
}

TEST_CASE("promote: approvals of other candidates for the environment are replaced, others kept verbatim") {
    kube::Json foreign = approval("stg", "1.4.0", "1.4.0");
    foreign["note"] = "kept as written";
    auto w = workload({approval("prod", "1.3.0", "1.3.0"), foreign, approval("prod", "1.4.0", "1.4.1"), "junk"});
    const auto plan = plan_approval(w, "prod");
    const auto& approved = patch_of(plan);
    CHECK(approved.replaced == std::vector<std::string>{"1.3.0", "1.4.0/1.4.1"});
    CHECK(approved.patch["spec"]["promotion"]["approvals"] ==
          kube::Json{foreign, "junk", approval("prod", "1.5.0", "1.5.0")});
}

TEST_CASE("promote: the version text names both tags when they differ") {
    auto w = workload();
    w["spec"]["promotion"]["candidate"]["files"]["tag"] = "files-7";
    const auto plan = plan_approval(w, "stg");
    const auto& approved = patch_of(plan);
    CHECK(approved.version == "1.5.0/files-7");
    CHECK_FALSE(approved.approval_required);  // harmless: stg does not wait for approval
    CHECK(approved.patch["spec"]["promotion"]["approvals"][0] == approval("stg", "1.5.0", "files-7"));
    CHECK(promotion_version("a", "a") == "a");
    CHECK(promotion_version("", "b") == "?/b");
}

TEST_CASE("promote: refusals name what to fix") {
    kube::Json bare{{"metadata", {{"name", "web"}, {"resourceVersion", "1"}}}, {"spec", {{"replicas", 1}}}};
    CHECK_THAT(refusal_of(plan_approval(bare, "prod")), Catch::Contains("workload web has no spec.promotion"));
    CHECK_THAT(refusal_of(plan_approval(workload(), "qa")),
               Catch::Contains("environment qa is not in spec.promotion.environments of workload web (dev, stg, prod)"));
    auto no_files = workload();
    no_files["spec"]["promotion"]["candidate"].erase("files");
    CHECK_THAT(refusal_of(plan_approval(no_files, "prod")), Catch::Contains("lacks its workshop or files tag"));
    auto no_version = workload();
    no_version["metadata"].erase("resourceVersion");
    CHECK_THAT(refusal_of(plan_approval(no_version, "prod")), Catch::Contains("resourceVersion"));
}

TEST_CASE("promote: the list stays within the CRD's bound") {
    kube::Json approvals = kube::Json::array();
    for (std::size_t i = 0; i + 1 < max_approvals; ++i) approvals.push_back(approval("stg", std::to_string(i), "x"));
    approvals.push_back(approval("prod", "1.4.0", "1.4.0"));
    // Full, but one of them is prod's older approval: replaced, still 32.
    const auto plan = plan_approval(workload(approvals), "prod");
    CHECK(patch_of(plan).patch["spec"]["promotion"]["approvals"].size() == max_approvals);
    approvals.back() = approval("dev", "1.4.0", "1.4.0");
    CHECK_THAT(refusal_of(plan_approval(workload(approvals), "prod")), Catch::Contains("at most 32"));
}

TEST_CASE("promote: whatever the API server accepts yields a refusal or a patch, never a crash") {
    const kube::Json odd[] = {
        kube::Json(nullptr), kube::Json::array(), kube::Json("text"),
        {{"spec", nullptr}},
        {{"spec", {{"promotion", "yes"}}}},
        {{"spec", {{"promotion", {{"environments", "prod"}}}}}},
        {{"spec", {{"promotion", {{"environments", {1, nullptr, "prod"}}, {"candidate", "1.5.0"}}}}}},
        {{"spec", {{"promotion", {{"environments", {"prod"}}, {"candidate", {{"workshop", "1.5.0"}, {"files", {{"tag", 5}}}}}}}}}},
        {{"metadata", {{"name", 7}, {"resourceVersion", 3}}},
         {"spec", {{"promotion", {{"environments", {"prod"}},
                                  {"candidate", {{"workshop", {{"tag", "a"}}}, {"files", {{"tag", "b"}}}}}}}}}},
    };
    for (const auto& object : odd) CHECK(std::holds_alternative<ApprovalRefused>(plan_approval(object, "prod")));
    // Approvals of any shape: kept, or replaced when they are prod's.
    auto w = workload();
    w["spec"]["promotion"]["approvals"] = {{{"environment", "prod"}, {"workshop", "1.5.0"}}, 3, nullptr,
                                           {{"environment", 4}}, {{"environment", "prod"}, {"files", {{"tag", {1}}}}}};
    const auto plan = plan_approval(w, "prod");
    CHECK(patch_of(plan).patch["spec"]["promotion"]["approvals"].size() == 4);
    w["spec"]["promotion"]["approvals"] = "not a list";
    CHECK(patch_of(plan_approval(w, "prod")).patch["spec"]["promotion"]["approvals"].size() == 1);
    // Names with control characters are printed safely.
    auto hostile = workload();
    hostile["spec"]["promotion"]["environments"] = {std::string("dev\x1b[2J") + std::string(300, 'x')};
    const auto message = refusal_of(plan_approval(hostile, "prod"));
    CHECK(message.find('\x1b') == std::string::npos);
    CHECK(message.size() < 400);
}
