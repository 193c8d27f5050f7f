#include "controllers/promotion/promotion_gate.hpp"

#include <algorithm>

#include "api/v1alpha1/duration.hpp"
#include "controllers/status/deployment_rollout.hpp"
#include "controllers/status/status_bounds.hpp"
#include "kube/json/json_fields.hpp"

namespace labfleet::controllers {

namespace {
using api::v1alpha1::EnvironmentPromotion;
using api::v1alpha1::EnvironmentState;
using api::v1alpha1::PromotionPhase;
using api::v1alpha1::Version;
using std::chrono::milliseconds;

/// The tag or digest of an image reference: after '@', else after a ':' past the last '/'.
std::string tag_of_image(std::string_view image) {
    if (const auto at = image.rfind('@'); at != std::string_view::npos) return std::string(image.substr(at + 1));
    const auto colon = image.rfind(':');
    const auto slash = image.rfind('/');
    if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) return "";
    return std::string(image.substr(colon + 1));
}

milliseconds since(kube::WallTime then, kube::WallTime now) {
    return std::max(milliseconds{0}, std::chrono::duration_cast<milliseconds>(now - then));
}

/// "3m/10m": the soak served so far, in steps of a tenth of it (at least a
/// second), so that the summary changes at most ten times per soak.
milliseconds soak_step(milliseconds soak) {
    return std::max(milliseconds{1000}, milliseconds{std::chrono::floor<std::chrono::seconds>(soak / 10)});
}

/// What an environment without a record runs: the candidate when any counted
/// target runs it (it was given it before the record was lost), else the
/// version most of them run (the first by name on a tie), else none.
std::optional<Version> recovered(const std::vector<const ServedTarget*>& targets, const Version& candidate) {
    std::vector<Version> live;
    for (const ServedTarget* target : targets)
        if (target->skipped.empty() && target->live) live.push_back(*target->live);
    if (live.empty()) return std::nullopt;
    if (std::ranges::find(live, candidate) != live.end()) return candidate;
    const Version* best = &live.front();
    for (const Version& version : live)
        if (std::ranges::count(live, version) > std::ranges::count(live, *best)) best = &version;
    return *best;
}

bool has_version(const EnvironmentPromotion& environment) { return !environment.version.workshop_tag.empty(); }

class Planner {
public:
    Planner(const api::v1alpha1::PromotionSpec& spec, const std::optional<api::v1alpha1::PromotionStatus>& previous,
            const std::vector<ServedTarget>& targets, kube::WallTime now)
        // Whole seconds, as status records times: a time read back equals the one written.
        : spec_(spec), previous_(previous), now_(std::chrono::floor<std::chrono::seconds>(now)),
          same_candidate_(previous && previous->candidate == spec.candidate) {
        for (const auto& target : targets) by_environment_[target.environment].push_back(&target);
    }

    PromotionPlan plan() {
        out_.status.candidate = spec_.candidate;
        auto& environments = out_.status.environments;
        for (const auto& name : spec_.environments) environments.push_back(initial(name));
        const std::string version = to_string(spec_.candidate);
        std::size_t at = 0;  // where the flow stands
        if (environments.front().version != spec_.candidate &&
            !give(environments.front(), "the first environment gets it at once"))
            return finish(0);
        for (; at < environments.size(); ++at) {
            if (!passes(at)) return finish(at);
            if (at + 1 == environments.size()) break;
            EnvironmentPromotion& next = environments[at + 1];
            if (next.version == spec_.candidate) continue;  // passed before
            if (!give(next, environments[at].name + " served it for " + api::v1alpha1::format_duration(spec_.soak)))
                return finish(at + 1);
        }
        phase_ = PromotionPhase::Complete;
        summary_ = environments.back().name + " " + version + " complete";
        message_ = version + " is served in every environment";
        return finish(environments.size());
    }

private:
    EnvironmentPromotion initial(const std::string& name) {
        EnvironmentPromotion out;
        out.name = name;
        if (const EnvironmentPromotion* record = record_of(name); record != nullptr && has_version(*record)) {
            out.version = record->version;
            // A record without its time starts the deadline now rather than at the epoch.
            out.since = record->since == kube::WallTime{} ? now_ : record->since;
            if (same_candidate_ && out.version == spec_.candidate) {
                out.served_since = record->served_since;
                out.dropped_at = record->dropped_at;
            }
        } else if (auto live = recovered(by_environment_[name], spec_.candidate)) {
            out.version = *live;
            out.since = now_;
        }
        return out;
    }

    const EnvironmentPromotion* record_of(const std::string& name) const {
        if (!previous_) return nullptr;
        for (const auto& environment : previous_->environments)
            if (environment.name == name) return &environment;
        return nullptr;
    }

    /// The state the last record gave `name` for this same candidate.
    std::optional<EnvironmentState> previous_state(const std::string& name) const {
        const EnvironmentPromotion* record = same_candidate_ ? record_of(name) : nullptr;
        if (record == nullptr) return std::nullopt;
        return record->state;
    }

    void event(const EnvironmentPromotion& environment, EnvironmentState state, std::string reason,
               std::string outcome, bool warning, std::string note) {
        if (previous_state(environment.name) == state) return;  // already told
        out_.events.push_back({environment.name, std::move(reason), std::move(outcome), warning, std::move(note)});
    }

    void stop(EnvironmentPromotion& environment, EnvironmentState state, PromotionPhase phase, std::string what,
              std::string message) {
        environment.state = state;
        environment.message = bounded_message(message);
        phase_ = phase;
        summary_ = environment.name + " " + to_string(spec_.candidate) + " " + what;
        message_ = environment.message;
    }

    void soon(milliseconds after) { out_.recheck = out_.recheck ? std::min(*out_.recheck, after) : after; }

    /// Gives `environment` the candidate, unless it waits for an approval.
    bool give(EnvironmentPromotion& environment, const std::string& why) {
        const std::string version = to_string(spec_.candidate);
        if (spec_.needs_approval(environment.name) && !spec_.approved(environment.name, spec_.candidate)) {
            const std::string message = version + " waits for approval to " + environment.name +
                                        " (kubectl labfleet promote WORKLOAD --to " + environment.name + ")";
            event(environment, EnvironmentState::AwaitingApproval, "PromotionBlocked", "", false, message);
            stop(environment, EnvironmentState::AwaitingApproval, PromotionPhase::AwaitingApproval,
                 "awaiting approval", message);
            return false;
        }
        environment.version = spec_.candidate;
        environment.since = now_;
        environment.served_since.reset();
        environment.dropped_at.reset();
        out_.events.push_back({environment.name, "Promoted", "promoted", false,
                               "promoted " + version + " to " + environment.name + ": " + why});
        return true;
    }

    /// Whether environment `at`, holding the candidate, has passed its gate;
    /// when not, why it stands where it does.
    bool passes(std::size_t at) {
        auto& environments = out_.status.environments;
        EnvironmentPromotion& environment = environments[at];
        const bool last = at + 1 == environments.size();
        std::vector<const ServedTarget*> counted;
        std::vector<std::string> skipped;
        for (const ServedTarget* target : by_environment_[environment.name]) {
            if (target->skipped.empty()) counted.push_back(target);
            else skipped.push_back(target->name + " (" + target->skipped + ")");
        }
        if (!skipped.empty()) environment.message = bounded_message("passed by: " + summarise(skipped));
        if (!last && environments[at + 1].version == spec_.candidate) {
            environment.state = EnvironmentState::Passed;
            out_.soak_ratio[environment.name] = 1;
            return true;
        }
        const std::string version = to_string(spec_.candidate);
        if (counted.empty()) {
            const std::string message =
                skipped.empty() ? "no target of environment " + environment.name + " is assigned this workload"
                                : "every target of environment " + environment.name + " is passed by: " +
                                      summarise(skipped);
            event(environment, EnvironmentState::Blocked, "PromotionBlocked", "blocked", true,
                  version + " cannot pass " + environment.name + ": " + message);
            stop(environment, EnvironmentState::Blocked, PromotionPhase::Blocked, "blocked", message);
            return false;
        }
        if (previous_state(environment.name) == EnvironmentState::Failed) {
            stop(environment, EnvironmentState::Failed, PromotionPhase::Failed, "failed",
                 record_of(environment.name)->message);
            return false;
        }
        std::vector<std::string> stuck, waiting;
        for (const ServedTarget* target : counted) {
            if (target->progress_deadline_exceeded) stuck.push_back(target->name);
            else if (target->unwritable || !target->rolled_out || target->live != spec_.candidate)
                waiting.push_back(target->name + " (" +
                                  (target->not_served.empty() ? std::string("not on ") + version : target->not_served) +
                                  ")");
        }
        // A drop after serving starts the deadline again.
        if (!waiting.empty() && environment.served_since) environment.dropped_at = now_;
        const milliseconds waited =
            since(std::max(environment.since, environment.dropped_at.value_or(environment.since)), now_);
        if (!stuck.empty() || (!waiting.empty() && waited >= spec_.deadline)) {
            const std::string message =
                !stuck.empty() ? "the Deployment of " + summarise(stuck) + " reports ProgressDeadlineExceeded"
                               : "not served within the deadline of " +
                                     api::v1alpha1::format_duration(spec_.deadline) + ": " + summarise(waiting);
            event(environment, EnvironmentState::Failed, "PromotionFailed", "failed", true,
                  version + " failed in " + environment.name + ": " + message +
                      "; later environments keep their version");
            stop(environment, EnvironmentState::Failed, PromotionPhase::Failed, "failed", message);
            return false;
        }
        if (!waiting.empty()) {
            environment.served_since.reset();
            soon(spec_.deadline - waited);
            stop(environment, EnvironmentState::RollingOut, PromotionPhase::Promoting, "rolling out",
                 "waiting for " + summarise(waiting));
            return false;
        }
        if (!environment.served_since) environment.served_since = now_;
        if (last) {
            environment.state = EnvironmentState::Served;
            return true;
        }
        const milliseconds soaked = since(*environment.served_since, now_);
        if (soaked < spec_.soak) {
            const milliseconds step = soak_step(spec_.soak);
            const milliseconds shown = soaked / step * step;
            out_.soak_ratio[environment.name] =
                static_cast<double>(soaked.count()) / static_cast<double>(spec_.soak.count());
            soon(std::min(spec_.soak - soaked, shown + step - soaked));
            const std::string progress = api::v1alpha1::format_duration(milliseconds{std::chrono::floor<std::chrono::seconds>(shown)}) +
                                         "/" + api::v1alpha1::format_duration(spec_.soak);
            const std::string note = environment.message;
            stop(environment, EnvironmentState::Soaking, PromotionPhase::Promoting, "soaking " + progress,
                 "served since the soak began; " + progress + " of the soak" + (note.empty() ? "" : "; " + note));
            return false;
        }
        environment.state = EnvironmentState::Passed;
        out_.soak_ratio[environment.name] = 1;
        return true;
    }

    PromotionPlan finish(std::size_t reached) {
        auto& environments = out_.status.environments;
        // Past where the flow stands nothing is judged: those environments wait.
        for (std::size_t i = reached + 1; i < environments.size(); ++i) {
            environments[i].state = EnvironmentState::Pending;
            environments[i].served_since.reset();
            environments[i].dropped_at.reset();
            environments[i].message.clear();
        }
        for (const auto& environment : environments)
            if (has_version(environment)) out_.versions[environment.name] = environment.version;
        out_.status.phase = phase_;
        out_.status.summary = summary_;
        out_.status.message = message_;
        return std::move(out_);
    }

    const api::v1alpha1::PromotionSpec& spec_;
    const std::optional<api::v1alpha1::PromotionStatus>& previous_;
    kube::WallTime now_;
    bool same_candidate_;
    std::map<std::string, std::vector<const ServedTarget*>> by_environment_;
    PromotionPlan out_;
    PromotionPhase phase_ = PromotionPhase::Promoting;
    std::string summary_, message_;
};
} // namespace

void observe_deployment(const kube::Json* deployment, std::int64_t replicas, ServedTarget& target) {
    if (deployment == nullptr) {
        target.not_served = "no Deployment yet";
        return;
    }
    const std::string workshop = kube::string_in(*deployment, "/metadata/annotations", workshop_tag_annotation);
    const std::string files = kube::string_in(*deployment, "/metadata/annotations", files_tag_annotation);
    if (!workshop.empty() && !files.empty()) target.live = Version{workshop, files};
    const kube::Json::json_pointer conditions("/status/conditions");
    if (deployment->contains(conditions) && deployment->at(conditions).is_array())
        for (const auto& condition : deployment->at(conditions))
            if (kube::string_field(condition, "type") == "Progressing" &&
                kube::string_field(condition, "status") == "False" &&
                kube::string_field(condition, "reason") == "ProgressDeadlineExceeded")
                target.progress_deadline_exceeded = true;
    if (!target.live) {
        target.not_served = "its Deployment was not rendered for a promotion yet";
        return;
    }
    const RolloutProgress rollout = rollout_progress(*deployment, replicas);
    if (!rollout.complete()) {
        target.not_served = rollout.missing;
        return;
    }
    const kube::Json::json_pointer containers("/spec/template/spec/containers");
    if (!deployment->contains(containers) || !deployment->at(containers).is_array() ||
        deployment->at(containers).empty()) {
        target.not_served = "its Deployment has no containers";
        return;
    }
    for (const auto& container : deployment->at(containers)) {
        const std::string image = kube::string_field(container, "image");
        if (tag_of_image(image) != target.live->files_tag) {
            target.not_served = "container " + kube::string_field(container, "name") + " runs " + image;
            return;
        }
    }
    target.rolled_out = true;
}

PromotionPlan plan_promotion(const api::v1alpha1::PromotionSpec& spec,
                             const std::optional<api::v1alpha1::PromotionStatus>& previous,
                             const std::vector<ServedTarget>& targets, kube::WallTime now) {
    if (spec.environments.empty()) return {};  // validation refuses it
    return Planner(spec, previous, targets, now).plan();
}

std::map<std::string, Version> target_versions(const PromotionPlan& plan, const std::vector<ServedTarget>& targets) {
    std::map<std::string, Version> out;
    for (const auto& target : targets) {
        if (!target.skipped.empty() && target.live) {
            out[target.name] = *target.live;
            continue;
        }
        if (const auto found = plan.versions.find(target.environment); found != plan.versions.end())
            out[target.name] = found->second;
    }
    return out;
}

std::map<std::string, Version> recorded_versions(const api::v1alpha1::PromotionStatus& status) {
    std::map<std::string, Version> out;
    for (const auto& environment : status.environments)
        if (has_version(environment)) out[environment.name] = environment.version;
    return out;
}

} // namespace labfleet::controllers
