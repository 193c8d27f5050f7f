#include <catch2/catch.hpp>

#include "controllers/render/tag_resolution.hpp"
#include "unit/controllers/fixtures.hpp"

using namespace labfleet::controllers;
using namespace labfleet::controllers::testing;
using labfleet::api::v1alpha1::EnvironmentLease;
using labfleet::api::v1alpha1::WorkloadOverride;

namespace {
WorkloadOverride by_env(std::string env, std::optional<std::string> workshop, std::optional<std::string> files) {
    WorkloadOverride o;
    o.environment = std::move(env);
    o.workshop_tag = std::move(workshop);
    o.files_tag = std::move(files);
    return o;
}
WorkloadOverride by_target(std::string t, std::optional<std::string> workshop, std::optional<std::string> files) {
    WorkloadOverride o;
    o.target = std::move(t);
    o.workshop_tag = std::move(workshop);
    o.files_tag = std::move(files);
    return o;
}
EnvironmentLease lease(std::string name, std::string target_name, std::string workload_name,
                       std::optional<std::string> workshop, std::optional<std::string> files) {
    EnvironmentLease l;
    l.metadata.name = std::move(name);
    l.spec.target = std::move(target_name);
    l.spec.holder = "ann";
    l.spec.overrides.push_back({std::move(workload_name), std::move(workshop), std::move(files)});
    return l;
}
} // namespace

TEST_CASE("channel is the default, pinned beats it", "[controllers][tags]") {
    auto w = workload("intro");
    auto t = target("qa-1", "qa");
    CHECK(resolve_tag(w, t, ImageKind::Workshop) == ResolvedTag{"prod", "channel"});
    t.spec.channel = "stg";
    CHECK(resolve_tag(w, t, ImageKind::Files) == ResolvedTag{"stg", "channel"});
    w.spec.images.files.tag = "v1";
    CHECK(resolve_tag(w, t, ImageKind::Files) == ResolvedTag{"v1", "pinned"});
    CHECK(resolve_tag(w, t, ImageKind::Workshop) == ResolvedTag{"stg", "channel"});
}

TEST_CASE("the full precedence ladder, one step removed at a time", "[controllers][tags]") {
    auto w = workload("intro");
    w.spec.images.workshop.tag = "pinned-w";
    w.spec.overrides = {by_env("qa", "env-w", std::nullopt), by_target("qa-1", "target-w", std::nullopt)};
    const auto t = target("qa-1", "qa");
    const auto l = lease("l1", "qa-1", "intro", "lease-w", std::nullopt);
    CHECK(resolve_tag(w, t, ImageKind::Workshop, &l) == ResolvedTag{"lease-w", "lease/l1"});
    CHECK(resolve_tag(w, t, ImageKind::Workshop) == ResolvedTag{"target-w", "target"});
    w.spec.overrides.pop_back();
    CHECK(resolve_tag(w, t, ImageKind::Workshop) == ResolvedTag{"env-w", "environment"});
    w.spec.overrides.clear();
    CHECK(resolve_tag(w, t, ImageKind::Workshop) == ResolvedTag{"pinned-w", "pinned"});
    // The lease only touched the workshop image: files falls through.
    CHECK(resolve_tag(w, t, ImageKind::Files, &l) == ResolvedTag{"prod", "channel"});
}

TEST_CASE("leases apply only to their target and workload", "[controllers][tags]") {
    const auto w = workload("intro");
    const auto t = target("qa-1", "qa");
    const auto other_target = lease("l1", "qa-2", "intro", "x", "x");
    const auto other_workload = lease("l2", "qa-1", "other", "x", "x");
    CHECK(resolve_tag(w, t, ImageKind::Files, &other_target).source == "channel");
    CHECK(resolve_tag(w, t, ImageKind::Files, &other_workload).source == "channel");
    auto twice = lease("l3", "qa-1", "intro", std::nullopt, "first");
    twice.spec.overrides.push_back({"intro", "w2", "second"});
    CHECK(resolve_tag(w, t, ImageKind::Files, &twice) == ResolvedTag{"first", "lease/l3"});
    CHECK(resolve_tag(w, t, ImageKind::Workshop, &twice) == ResolvedTag{"w2", "lease/l3"});
}

TEST_CASE("ties between overrides: first in the list wins, and kinds are independent", "[controllers][tags]") {
    auto w = workload("intro");
    w.spec.overrides = {by_target("qa-1", std::nullopt, "f1"), by_target("qa-1", "w2", "f2"),
                        by_env("qa", "e1", "e1"), by_env("qa", "e2", "e2"), by_env("dev", "d", "d")};
    const auto t = target("qa-1", "qa");
    CHECK(resolve_tag(w, t, ImageKind::Files) == ResolvedTag{"f1", "target"});
    CHECK(resolve_tag(w, t, ImageKind::Workshop) == ResolvedTag{"w2", "target"});
    const auto other = target("qa-9", "qa");
    CHECK(resolve_tag(w, other, ImageKind::Files) == ResolvedTag{"e1", "environment"});
    const auto dev = target("dev-1", "dev");
    CHECK(resolve_tag(w, dev, ImageKind::Workshop) == ResolvedTag{"d", "environment"});
    // An override naming a target equal to some environment name is not an environment override.
    const auto named_like_env = target("qa", "prod");
    CHECK(resolve_tag(w, named_like_env, ImageKind::Files).source == "channel");
}

TEST_CASE("resolve_images builds both references and the winning source", "[controllers][tags]") {
    auto w = workload("intro");
    w.spec.images.files.tag = "sha256:" + std::string(64, 'b');
    auto t = target("qa-1", "qa");
    t.spec.registry = "r.example.com";
    const auto images = resolve_images(w, t);
    CHECK(images.workshop_image == "r.example.com/labs/intro:prod");
    CHECK(images.files_image == "r.example.com/labs/intro-files@sha256:" + std::string(64, 'b'));
    CHECK(images.source == "pinned");
    const auto l = lease("l9", "qa-1", "intro", "pr-1", std::nullopt);
    CHECK(resolve_images(w, t, &l).source == "lease/l9");
    CHECK(source_rank("lease/x") < source_rank("target"));
    CHECK(source_rank("target") < source_rank("environment"));
    CHECK(source_rank("environment") < source_rank("pinned"));
    CHECK(source_rank("pinned") < source_rank("channel"));
}

TEST_CASE("a lease's base: below its overrides, above everything the workload and target say", "[controllers][tags]") {
    auto w = workload("intro");
    w.spec.images.workshop.tag = "pinned-w";
    w.spec.images.files.tag = "pinned-f";
    w.spec.overrides = {by_env("qa", "env-w", "env-f"), by_target("qa-1", "target-w", "target-f")};
    auto t = target("qa-1", "qa");
    t.spec.channel = "stg";
    auto l = lease("l1", "qa-1", "intro", "lease-w", std::nullopt);
    l.spec.base = "prod";

    // lease override > lease base, image by image.
    CHECK(resolve_tag(w, t, ImageKind::Workshop, &l) == ResolvedTag{"lease-w", "lease/l1"});
    CHECK(resolve_tag(w, t, ImageKind::Files, &l) == ResolvedTag{"prod", "lease-base/l1"});
    // lease base > target override > environment override > pinned > channel.
    l.spec.overrides.clear();
    CHECK(resolve_tag(w, t, ImageKind::Workshop, &l) == ResolvedTag{"prod", "lease-base/l1"});
    w.spec.overrides.pop_back();
    CHECK(resolve_tag(w, t, ImageKind::Workshop, &l) == ResolvedTag{"prod", "lease-base/l1"});
    w.spec.overrides.clear();
    CHECK(resolve_tag(w, t, ImageKind::Files, &l) == ResolvedTag{"prod", "lease-base/l1"});
    w.spec.images.files.tag.reset();
    CHECK(resolve_tag(w, t, ImageKind::Files, &l) == ResolvedTag{"prod", "lease-base/l1"});
    // Without a base the ladder is as before.
    l.spec.base.reset();
    CHECK(resolve_tag(w, t, ImageKind::Files, &l) == ResolvedTag{"stg", "channel"});
}

TEST_CASE("a lease's base applies to every workload of its target, and only there", "[controllers][tags]") {
    const auto other_workload = workload("other");
    const auto t = target("qa-1", "qa");
    auto l = lease("l1", "qa-1", "intro", "pr-1", "pr-1");
    l.spec.base = "prod-2";
    const auto images = resolve_images(other_workload, t, &l);
    CHECK(images.files_image == "labs/other-files:prod-2");
    CHECK(images.workshop_image == "labs/other:prod-2");
    CHECK(images.source == "lease-base/l1");
    const auto elsewhere = target("qa-2", "qa");
    CHECK(resolve_tag(other_workload, elsewhere, ImageKind::Files, &l) == ResolvedTag{"prod", "channel"});
    // The source shown is the higher-ranked: an override of one image beats the base of the other.
    CHECK(resolve_images(workload("intro"), t, &l).source == "lease/l1");
    l.spec.overrides[0].workshop_tag.reset();
    CHECK(resolve_images(workload("intro"), t, &l).source == "lease/l1");
    CHECK(source_rank("lease/x") < source_rank("lease-base/x"));
    CHECK(source_rank("lease-base/x") < source_rank("target"));
}
