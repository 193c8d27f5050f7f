#pragma once
// PromotionApproval: what `kubectl labfleet promote WORKLOAD --to ENV` writes,
// as a pure function of the Workload the API server returned, so the rule is
// tested without a cluster. An approval is an entry of
// spec.promotion.approvals naming the environment and the current
// candidate's two tags; the operator counts it only while both tags equal the
// candidate's. The command keeps one approval per environment: approvals of
// other candidates for ENV are replaced (they count for nothing now, and a
// rollback to an old candidate should be approved again), entries for other
// environments are kept as they are. Every field is read leniently: whatever
// the API server accepts yields a refusal or a patch, never a crash.

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "kube/json/json.hpp"

namespace labfleet::plugin {

/// spec.promotion.approvals holds at most this many entries (the CRD's maxItems).
constexpr std::size_t max_approvals = 32;

/// Nothing to write; `message` says why, naming what to fix.
struct ApprovalRefused {
    std::string message;
};

/// An identical approval is there already: nothing to write.
struct AlreadyApproved {
    std::string version;
};

/// A JSON merge patch that sets spec.promotion.approvals to the new list,
/// guarded by metadata.resourceVersion: the API server refuses it with 409
/// Conflict when the Workload changed since it was read, so nothing written
/// meanwhile (another approval, a new candidate) is lost.
struct ApprovalPatch {
    kube::Json patch;
    std::string version;                // the approved candidate, as promotion_version prints it
    bool approval_required = false;     // ENV is in spec.promotion.approvalRequired
    std::vector<std::string> replaced;  // versions of the approvals of ENV this one replaces
};

using ApprovalPlan = std::variant<ApprovalRefused, AlreadyApproved, ApprovalPatch>;

/// What approving the current candidate of `workload` for `environment` writes.
ApprovalPlan plan_approval(const kube::Json& workload, const std::string& environment);

/// api::v1alpha1::to_string of the version: "1.5.0" when both tags are equal, else
/// "WORKSHOP/FILES"; an empty tag reads "?".
std::string promotion_version(const std::string& workshop_tag, const std::string& files_tag);

} // namespace labfleet::plugin
