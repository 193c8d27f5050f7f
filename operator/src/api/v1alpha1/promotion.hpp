#pragma once
// A Workload's promotion: a candidate version moved through an order of
// environments, each getting it once the one before has served it for the
// soak time (controllers/promotion). The spec is the person's (or git's);
// the status is the operator's record of where the candidate stands, which
// may be lost at any time and is then recovered from what is served.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/v1alpha1/field_error.hpp"
#include "api/v1alpha1/field_reader.hpp"
#include "kube/json/json.hpp"
#include "kube/util/clock.hpp"

namespace labfleet::api::v1alpha1 {

/// A version of a workload: the tags of its two images.
struct Version {
    std::string workshop_tag;
    std::string files_tag;
    friend bool operator==(const Version&, const Version&) = default;
};

/// "1.5.0" when both tags are equal, else "<workshop>/<files>".
std::string to_string(const Version& version);

struct PromotionApproval {
    std::string environment;
    Version version;  // counts only for this exact candidate
    friend bool operator==(const PromotionApproval&, const PromotionApproval&) = default;
};

struct PromotionSpec {
    std::vector<std::string> environments;  // in order
    Version candidate;
    std::chrono::milliseconds soak{std::chrono::minutes{10}};
    std::chrono::milliseconds deadline{std::chrono::minutes{30}};
    std::vector<std::string> approval_required;
    std::vector<PromotionApproval> approvals;

    bool needs_approval(std::string_view environment) const;
    bool approved(std::string_view environment, const Version& version) const;
};

inline constexpr std::size_t max_promotion_environments = 8;
inline constexpr std::size_t max_promotion_approvals = 32;

enum class PromotionPhase { Promoting, AwaitingApproval, Blocked, Failed, Complete };
enum class EnvironmentState { Pending, RollingOut, Soaking, Passed, AwaitingApproval, Blocked, Failed, Served };

std::string_view to_string(PromotionPhase phase);
std::string_view to_string(EnvironmentState state);

struct EnvironmentPromotion {
    std::string name;
    Version version;  // what the environment is given; empty tags: nothing yet
    kube::WallTime since{};  // when it got `version`
    EnvironmentState state = EnvironmentState::Pending;
    std::optional<kube::WallTime> served_since;  // serving the candidate without a drop since
    /// When it last stopped serving the candidate: the deadline counts from
    /// the later of this and `since`, so a drop long after it was first
    /// served gets the deadline again instead of failing at once.
    std::optional<kube::WallTime> dropped_at;
    std::string message;
    friend bool operator==(const EnvironmentPromotion&, const EnvironmentPromotion&) = default;
};

struct PromotionStatus {
    Version candidate;
    PromotionPhase phase = PromotionPhase::Promoting;
    std::string summary;  // the printer column: "stg 1.5.0 soaking 3m/10m"
    std::string message;
    std::vector<EnvironmentPromotion> environments;  // in spec order
    friend bool operator==(const PromotionStatus&, const PromotionStatus&) = default;
};

/// spec.promotion, when present; errors go to `spec`'s decode state.
std::optional<PromotionSpec> decode_promotion_spec(const FieldReader& spec);
/// status.promotion: nullopt when absent or malformed. A record that does
/// not decode is treated as lost, never as an error of the object: what
/// each environment runs is then recovered from what is served.
std::optional<PromotionStatus> decode_promotion_status(const kube::Json* status);
/// Order (unique DNS labels, 1..8), tags, approvals naming listed environments.
void validate_promotion(std::vector<FieldError>& errors, const PromotionSpec& spec);
kube::Json to_json(const PromotionStatus& status);

} // namespace labfleet::api::v1alpha1
