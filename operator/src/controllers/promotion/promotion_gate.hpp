#pragma once
// The promotion gate: the pure core of a Workload's promotion. From the spec,
// the last status record (which may be lost) and what every assigned target
// of the promotion's environments serves, it decides the version each
// environment is given, each environment's state, and the Events due.
//
// Invariants:
// - An environment's version only ever changes to the candidate: never back.
//   Without a record it is recovered from the live Deployments (the tags they
//   were rendered with: workshop_tag_annotation, files_tag_annotation), so a lost status downgrades
//   nothing.
// - Environment i+1 gets the candidate only after every counted target of
//   environment i has served it, without a drop, for the soak time; and, when
//   it needs approval, once spec.promotion.approvals approves that exact
//   candidate for it. An environment with no counted target never passes.
// - Targets that are paused or hold an Active lease are not counted, and get
//   what they run now (target_versions): the promotion never writes them.
// - A failure (not served within the deadline of getting the candidate, or
//   of a drop after serving it; or ProgressDeadlineExceeded) stops the flow
//   at that environment until a new candidate.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/v1alpha1/promotion.hpp"
#include "controllers/render/desired_objects.hpp"
#include "kube/json/json.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::controllers {

/// One assigned target of an environment in the promotion's order, as cached.
struct ServedTarget {
    std::string name;
    std::string environment;
    /// Why the promotion passes it by ("paused", "holds lease NAME"); "" when it counts.
    std::string skipped;
    /// The version its live Deployment was rendered with, when it has one.
    std::optional<api::v1alpha1::Version> live;
    /// Its Deployment's rollout is complete with every container on the
    /// rendered image (deployment_serves); false without a Deployment.
    bool rolled_out = false;
    std::string not_served;  // why not, for messages
    bool progress_deadline_exceeded = false;
    /// Nothing can be written to it now (its cluster): it cannot be served.
    bool unwritable = false;
};

/// What a cached Deployment says for ServedTarget: its live version
/// (annotations), whether the rollout of `replicas` is complete with every
/// container's image ending in the annotated files tag, and whether it
/// reports Progressing=False reason ProgressDeadlineExceeded.
void observe_deployment(const kube::Json* deployment, std::int64_t replicas, ServedTarget& target);

/// A change a promotion brings, for an Event and labfleet_promotions_total.
struct PromotionEvent {
    std::string environment;
    std::string reason;   // Promoted | PromotionBlocked | PromotionFailed
    std::string outcome;  // promoted | blocked | failed | "" (awaiting approval: no outcome)
    bool warning = false;
    std::string note;
    friend bool operator==(const PromotionEvent&, const PromotionEvent&) = default;
};

struct PromotionPlan {
    api::v1alpha1::PromotionStatus status;
    /// The version each environment of the order is given, when it has one
    /// (an environment never reached, with nothing live, has none: the
    /// usual resolution applies).
    std::map<std::string, api::v1alpha1::Version> versions;
    std::vector<PromotionEvent> events;
    /// When time alone changes the plan: the soak's end or its next summary
    /// step, or the deadline.
    std::optional<std::chrono::milliseconds> recheck;
    /// 0..1 of the soak served so far, per environment holding the candidate.
    std::map<std::string, double> soak_ratio;
};

PromotionPlan plan_promotion(const api::v1alpha1::PromotionSpec& spec,
                             const std::optional<api::v1alpha1::PromotionStatus>& previous,
                             const std::vector<ServedTarget>& targets, kube::WallTime now);

/// The promoted version per target: its environment's, except that a
/// skipped target keeps what it runs (its live version) while one is known.
std::map<std::string, api::v1alpha1::Version> target_versions(const PromotionPlan& plan,
                                                              const std::vector<ServedTarget>& targets);

/// The versions a status record gives each environment (offline plan and diff).
std::map<std::string, api::v1alpha1::Version> recorded_versions(const api::v1alpha1::PromotionStatus& status);

} // namespace labfleet::controllers
