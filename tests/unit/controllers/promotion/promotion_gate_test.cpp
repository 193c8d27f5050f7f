#include <catch2/catch.hpp>

#include "controllers/promotion/promotion_gate.hpp"

using namespace labfleet::controllers;
using namespace std::chrono_literals;
using labfleet::api::v1alpha1::EnvironmentState;
using labfleet::api::v1alpha1::PromotionPhase;
using labfleet::api::v1alpha1::PromotionSpec;
using labfleet::api::v1alpha1::PromotionStatus;
using labfleet::api::v1alpha1::Version;
using labfleet::kube::Json;
using labfleet::kube::WallTime;

namespace {
const WallTime t0{std::chrono::seconds{1'700'000'000}};
const Version old_version{"1.4.0", "1.4.0"};
const Version candidate{"1.5.0", "1.5.0"};

PromotionSpec spec() {
    PromotionSpec out;
    out.environments = {"dev", "stg", "prod"};
    out.candidate = candidate;
    out.soak = 10min;
    out.deadline = 30min;
    return out;
}

/// A counted target of `environment` serving `live` (rolled out when `served`).
ServedTarget target(std::string name, std::string environment, std::optional<Version> live, bool served = true) {
    ServedTarget out;
    out.name = std::move(name);
    out.environment = std::move(environment);
    out.live = std::move(live);
    out.rolled_out = served && out.live.has_value();
    if (!out.rolled_out) out.not_served = "0/1 updated";
    return out;
}

const labfleet::api::v1alpha1::EnvironmentPromotion& env(const PromotionPlan& plan, const std::string& name) {
    for (const auto& environment : plan.status.environments)
        if (environment.name == name) return environment;
    FAIL("no environment " << name);
    throw;
}

bool has_event(const PromotionPlan& plan, const std::string& reason, const std::string& environment) {
    for (const auto& event : plan.events)
        if (event.reason == reason && event.environment == environment) return true;
    return false;
}

/// Runs the gate again at `now` from the record `plan` wrote, as the next reconcile does.
PromotionPlan again(const PromotionSpec& s, const PromotionPlan& plan, const std::vector<ServedTarget>& targets,
                    WallTime now) {
    return plan_promotion(s, plan.status, targets, now);
}
} // namespace

TEST_CASE("the first environment gets the candidate at once, the others keep what they run") {
    const std::vector<ServedTarget> targets = {target("dev-1", "dev", old_version), target("stg-1", "stg", old_version),
                                               target("prod-1", "prod", old_version)};
    const auto plan = plan_promotion(spec(), std::nullopt, targets, t0);
    CHECK(plan.versions.at("dev") == candidate);
    CHECK(plan.versions.at("stg") == old_version);
    CHECK(plan.versions.at("prod") == old_version);
    CHECK(has_event(plan, "Promoted", "dev"));
    CHECK(plan.events.size() == 1);
    CHECK(env(plan, "dev").state == EnvironmentState::RollingOut);
    CHECK(env(plan, "stg").state == EnvironmentState::Pending);
    CHECK(plan.status.phase == PromotionPhase::Promoting);
    CHECK(plan.status.summary == "dev 1.5.0 rolling out");
    REQUIRE(plan.recheck);
    CHECK(*plan.recheck == 30min);  // the deadline
}

TEST_CASE("the next environment gets the candidate only after the previous served it for the soak") {
    const auto s = spec();
    std::vector<ServedTarget> targets = {target("dev-1", "dev", candidate), target("stg-1", "stg", old_version),
                                         target("prod-1", "prod", old_version)};
    auto plan = plan_promotion(s, std::nullopt, targets, t0);
    CHECK(env(plan, "dev").state == EnvironmentState::Soaking);
    CHECK(env(plan, "dev").served_since == t0);
    CHECK(plan.versions.at("stg") == old_version);

    plan = again(s, plan, targets, t0 + 3min + 20s);
    CHECK(env(plan, "dev").state == EnvironmentState::Soaking);
    CHECK(plan.status.summary == "dev 1.5.0 soaking 3m/10m");
    CHECK(plan.soak_ratio.at("dev") == Approx(200.0 / 600.0));
    REQUIRE(plan.recheck);
    CHECK(*plan.recheck == 40s);  // the next tenth of the soak
    CHECK(plan.versions.at("stg") == old_version);
    CHECK(plan.events.empty());

    plan = again(s, plan, targets, t0 + 10min);
    CHECK(env(plan, "dev").state == EnvironmentState::Passed);
    CHECK(plan.versions.at("stg") == candidate);
    CHECK(env(plan, "stg").since == t0 + 10min);
    CHECK(has_event(plan, "Promoted", "stg"));
    CHECK(plan.versions.at("prod") == old_version);
}

TEST_CASE("a drop restarts the soak clock") {
    const auto s = spec();
    std::vector<ServedTarget> targets = {target("dev-1", "dev", candidate), target("dev-2", "dev", candidate),
                                         target("stg-1", "stg", old_version)};
    auto plan = plan_promotion(s, std::nullopt, targets, t0);
    plan = again(s, plan, targets, t0 + 9min);
    CHECK(env(plan, "dev").state == EnvironmentState::Soaking);
    targets[1] = target("dev-2", "dev", candidate, /*served=*/false);
    plan = again(s, plan, targets, t0 + 9min + 30s);
    CHECK(env(plan, "dev").state == EnvironmentState::RollingOut);
    CHECK_FALSE(env(plan, "dev").served_since);
    CHECK_THAT(env(plan, "dev").message, Catch::Contains("dev-2"));
    targets[1] = target("dev-2", "dev", candidate);
    plan = again(s, plan, targets, t0 + 10min);
    CHECK(env(plan, "dev").served_since == t0 + 10min);
    plan = again(s, plan, targets, t0 + 19min);
    CHECK(plan.versions.at("stg") == old_version);
    plan = again(s, plan, targets, t0 + 20min);
    CHECK(plan.versions.at("stg") == candidate);
}

TEST_CASE("an environment with no counted target blocks the promotion") {
    const auto s = spec();
    SECTION("no target at all") {
        const auto plan = plan_promotion(s, std::nullopt, {target("stg-1", "stg", old_version)}, t0);
        CHECK(env(plan, "dev").state == EnvironmentState::Blocked);
        CHECK(plan.status.phase == PromotionPhase::Blocked);
        CHECK(has_event(plan, "PromotionBlocked", "dev"));
        CHECK(plan.versions.at("stg") == old_version);
        // Told once: the next look, with the record, adds no event.
        const auto next = again(s, plan, {target("stg-1", "stg", old_version)}, t0 + 1min);
        CHECK(next.events.empty());
        CHECK(next.status.phase == PromotionPhase::Blocked);
    }
    SECTION("only a leased target: skipped, named, never passed by default") {
        auto leased = target("dev-1", "dev", Version{"pr-7", "pr-7"});
        leased.skipped = "holds lease pr-7";
        const auto plan = plan_promotion(s, std::nullopt, {leased, target("stg-1", "stg", old_version)}, t0);
        CHECK(env(plan, "dev").state == EnvironmentState::Blocked);
        CHECK_THAT(env(plan, "dev").message, Catch::Contains("dev-1 (holds lease pr-7)"));
        // The leased target keeps what it runs; its environment has the candidate.
        const auto versions = target_versions(plan, {leased});
        CHECK(versions.at("dev-1") == (Version{"pr-7", "pr-7"}));
        CHECK(plan.versions.at("dev") == candidate);
    }
}

TEST_CASE("a skipped target is passed by while the others count") {
    auto s = spec();
    auto leased = target("stg-2", "stg", Version{"pr-7", "pr-7"});
    leased.skipped = "holds lease pr-7";
    std::vector<ServedTarget> targets = {target("dev-1", "dev", candidate), target("stg-1", "stg", candidate), leased,
                                         target("prod-1", "prod", old_version)};
    auto plan = plan_promotion(s, std::nullopt, targets, t0);
    plan = again(s, plan, targets, t0 + 10min);
    CHECK(plan.versions.at("stg") == candidate);
    const auto versions = target_versions(plan, targets);
    CHECK(versions.at("stg-1") == candidate);
    CHECK(versions.at("stg-2") == (Version{"pr-7", "pr-7"}));
    plan = again(s, plan, targets, t0 + 20min);
    CHECK(plan.versions.at("prod") == candidate);
    INFO(labfleet::api::v1alpha1::to_json(plan.status).dump());
    CHECK_THAT(env(plan, "stg").message, Catch::Contains("stg-2"));
}

TEST_CASE("an environment needing approval waits for that exact candidate, and never skips the soak") {
    auto s = spec();
    s.approval_required = {"prod"};
    std::vector<ServedTarget> targets = {target("dev-1", "dev", candidate), target("stg-1", "stg", candidate),
                                         target("prod-1", "prod", old_version)};
    SECTION("approval alone does not move it") {
        s.approvals = {{"prod", candidate}};
        // Status lost: stg runs the candidate (recovered), but has not soaked.
        const auto plan = plan_promotion(s, std::nullopt, targets, t0);
        CHECK(env(plan, "stg").state == EnvironmentState::Soaking);
        CHECK(plan.versions.at("prod") == old_version);
    }
    SECTION("waits, then moves once approved") {
        auto plan = plan_promotion(s, std::nullopt, targets, t0);
        plan = again(s, plan, targets, t0 + 10min);
        CHECK(env(plan, "prod").state == EnvironmentState::AwaitingApproval);
        CHECK(plan.status.phase == PromotionPhase::AwaitingApproval);
        CHECK(plan.versions.at("prod") == old_version);
        CHECK(has_event(plan, "PromotionBlocked", "prod"));
        CHECK(plan.status.summary == "prod 1.5.0 awaiting approval");
        s.approvals = {{"prod", Version{"1.5.0", "1.4.9"}}, {"stg", candidate}};  // not this candidate's, or not prod's
        plan = again(s, plan, targets, t0 + 11min);
        CHECK(plan.versions.at("prod") == old_version);
        CHECK(plan.events.empty());
        s.approvals.push_back({"prod", candidate});
        plan = again(s, plan, targets, t0 + 12min);
        CHECK(plan.versions.at("prod") == candidate);
        CHECK(has_event(plan, "Promoted", "prod"));
    }
}

TEST_CASE("a failure stops the flow and later environments keep their version") {
    const auto s = spec();
    SECTION("not served within the deadline") {
        std::vector<ServedTarget> targets = {target("dev-1", "dev", candidate, /*served=*/false),
                                             target("stg-1", "stg", old_version)};
        auto plan = plan_promotion(s, std::nullopt, targets, t0);
        plan = again(s, plan, targets, t0 + 29min);
        CHECK(env(plan, "dev").state == EnvironmentState::RollingOut);
        REQUIRE(plan.recheck);
        CHECK(*plan.recheck == 1min);
        plan = again(s, plan, targets, t0 + 30min);
        CHECK(env(plan, "dev").state == EnvironmentState::Failed);
        CHECK(plan.status.phase == PromotionPhase::Failed);
        CHECK_THAT(env(plan, "dev").message, Catch::Contains("deadline of 30m") && Catch::Contains("dev-1"));
        CHECK(has_event(plan, "PromotionFailed", "dev"));
        CHECK(plan.versions.at("stg") == old_version);
        // Stays failed even when it comes good later: only a new candidate moves on.
        targets[0] = target("dev-1", "dev", candidate);
        plan = again(s, plan, targets, t0 + 50min);
        CHECK(plan.status.phase == PromotionPhase::Failed);
        CHECK(plan.versions.at("stg") == old_version);
        CHECK(plan.events.empty());
    }
    SECTION("a drop long after serving gets the deadline again") {
        auto s2 = s;
        s2.soak = 60min;
        std::vector<ServedTarget> targets = {target("dev-1", "dev", candidate), target("stg-1", "stg", old_version)};
        auto plan = plan_promotion(s2, std::nullopt, targets, t0);
        plan = again(s2, plan, targets, t0 + 35min);
        CHECK(env(plan, "dev").state == EnvironmentState::Soaking);
        targets[0] = target("dev-1", "dev", candidate, /*served=*/false);
        plan = again(s2, plan, targets, t0 + 40min);
        CHECK(env(plan, "dev").state == EnvironmentState::RollingOut);
        CHECK(env(plan, "dev").dropped_at == t0 + 40min);
        REQUIRE(plan.recheck);
        CHECK(*plan.recheck == 30min);
        plan = again(s2, plan, targets, t0 + 69min);
        CHECK(env(plan, "dev").state == EnvironmentState::RollingOut);
        plan = again(s2, plan, targets, t0 + 70min);
        CHECK(env(plan, "dev").state == EnvironmentState::Failed);
    }
    SECTION("ProgressDeadlineExceeded fails at once") {
        auto stuck = target("dev-1", "dev", candidate, false);
        stuck.progress_deadline_exceeded = true;
        const auto plan = plan_promotion(s, std::nullopt, {stuck}, t0);
        CHECK(env(plan, "dev").state == EnvironmentState::Failed);
        CHECK_THAT(env(plan, "dev").message, Catch::Contains("ProgressDeadlineExceeded"));
    }
}

TEST_CASE("a lost record downgrades nothing") {
    const auto s = spec();
    // dev and stg run the candidate, prod the previous version; the record is gone.
    const std::vector<ServedTarget> targets = {target("dev-1", "dev", candidate), target("stg-1", "stg", candidate),
                                               target("prod-1", "prod", old_version)};
    const auto plan = plan_promotion(s, std::nullopt, targets, t0);
    CHECK(plan.versions.at("dev") == candidate);
    CHECK(plan.versions.at("stg") == candidate);
    CHECK(plan.versions.at("prod") == old_version);
    CHECK(env(plan, "dev").state == EnvironmentState::Passed);
    CHECK(env(plan, "stg").state == EnvironmentState::Soaking);  // its soak starts again: safe
    CHECK(plan.events.empty());
    SECTION("a record without times starts the deadline now") {
        PromotionStatus timeless;
        timeless.candidate = candidate;
        timeless.environments = {{"dev", candidate}, {"stg", candidate}, {"prod", old_version}};
        const std::vector<ServedTarget> rolling = {target("dev-1", "dev", candidate),
                                                   target("stg-1", "stg", candidate, /*served=*/false)};
        const auto next = plan_promotion(s, timeless, rolling, t0);
        CHECK(env(next, "stg").state == EnvironmentState::RollingOut);
        CHECK(env(next, "stg").since == t0);
    }
    SECTION("a record that names the environments but lost their versions") {
        PromotionStatus bare;
        bare.candidate = candidate;
        bare.environments = {{"dev"}, {"stg"}, {"prod"}};
        const auto next = plan_promotion(s, bare, targets, t0);
        CHECK(next.versions.at("prod") == old_version);
        CHECK(next.versions.at("stg") == candidate);
    }
}

TEST_CASE("a new candidate supersedes one in flight") {
    auto s = spec();
    std::vector<ServedTarget> targets = {target("dev-1", "dev", candidate), target("stg-1", "stg", candidate),
                                         target("prod-1", "prod", old_version)};
    auto plan = plan_promotion(s, std::nullopt, targets, t0);
    const Version next{"1.6.0", "1.6.0"};
    s.candidate = next;
    plan = again(s, plan, targets, t0 + 1min);
    CHECK(plan.status.candidate == next);
    CHECK(plan.versions.at("dev") == next);
    CHECK(plan.versions.at("stg") == candidate);  // kept, not reset
    CHECK(plan.versions.at("prod") == old_version);
    CHECK(env(plan, "dev").state == EnvironmentState::RollingOut);
}

TEST_CASE("the promotion completes when the last environment serves the candidate") {
    const auto s = spec();
    std::vector<ServedTarget> targets = {target("dev-1", "dev", candidate), target("stg-1", "stg", candidate),
                                         target("prod-1", "prod", candidate)};
    auto plan = plan_promotion(s, std::nullopt, targets, t0);
    CHECK(plan.status.phase == PromotionPhase::Complete);
    CHECK(env(plan, "prod").state == EnvironmentState::Served);
    CHECK(plan.status.summary == "prod 1.5.0 complete");
    CHECK_FALSE(plan.recheck);
}

TEST_CASE("a Deployment serves its version only rolled out with every container on it") {
    Json deployment = {{"metadata",
                        {{"generation", 3},
                         {"annotations", {{"labfleet.dev/workshop-tag", "1.5.0"}, {"labfleet.dev/files-tag", "1.5.0"}}}}},
                       {"spec", {{"template", {{"spec", {{"containers", {{{"name", "files"}, {"image", "r/f:1.5.0"}}}}}}}}}},
                       {"status",
                        {{"observedGeneration", 3}, {"replicas", 1}, {"updatedReplicas", 1}, {"availableReplicas", 1}}}};
    ServedTarget served;
    observe_deployment(&deployment, 1, served);
    CHECK(served.rolled_out);
    CHECK(served.live == candidate);

    SECTION("an image changed by hand") {
        deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "r/f:1.4.0";
        ServedTarget other;
        observe_deployment(&deployment, 1, other);
        CHECK_FALSE(other.rolled_out);
        CHECK_THAT(other.not_served, Catch::Contains("r/f:1.4.0"));
    }
    SECTION("an old replica left") {
        deployment["status"]["replicas"] = 2;
        ServedTarget other;
        observe_deployment(&deployment, 1, other);
        CHECK_FALSE(other.rolled_out);
    }
    SECTION("ProgressDeadlineExceeded") {
        deployment["status"]["conditions"] = {
            {{"type", "Progressing"}, {"status", "False"}, {"reason", "ProgressDeadlineExceeded"}}};
        ServedTarget other;
        observe_deployment(&deployment, 1, other);
        CHECK(other.progress_deadline_exceeded);
    }
    SECTION("a digest") {
        deployment["metadata"]["annotations"]["labfleet.dev/files-tag"] = "sha256:abc";
        deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "reg:5000/f@sha256:abc";
        ServedTarget other;
        observe_deployment(&deployment, 1, other);
        CHECK(other.rolled_out);
    }
    SECTION("no Deployment") {
        ServedTarget other;
        observe_deployment(nullptr, 1, other);
        CHECK_FALSE(other.rolled_out);
        CHECK_FALSE(other.live);
    }
}
