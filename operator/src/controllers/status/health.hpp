#pragma once
// Health: the three conditions by which tools judge every Labfleet object,
// after the kstatus conventions (sigs.k8s.io/cli-utils/pkg/kstatus, what
// Flux's health checks and `kubectl wait`-style tooling compute):
//   Ready        True when what the object asks for is in place;
//   Reconciling  True while the operator is getting there (abnormal-true);
//   Stalled      True when it cannot get there without a person (abnormal-true).
// A tool reads: status.observedGeneration behind metadata.generation, or
// Reconciling=True → InProgress; Stalled=True → Failed; otherwise Ready
// decides (kstatus falls back to it): True → Current, False → InProgress.
//
// Invariants: the three are written together on every status write, with the
// generation the reconcile read; exactly one of them is True, so the verdict
// follows from which one; Stalled=True brings one Warning Event per reason
// and message (stalled_event).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/v1alpha1/condition.hpp"
#include "api/v1alpha1/field_error.hpp"
#include "controllers/status/conditions.hpp"
#include "kube/client/result.hpp"

namespace labfleet::controllers {

/// Where an object stands: the one of the three conditions that is True.
struct Health {
    enum class State { Ready, Reconciling, Stalled };
    State state = State::Reconciling;
    std::string reason;   // CamelCase, on every one of the three conditions
    std::string message;

    static Health ready(std::string reason, std::string message) {
        return {State::Ready, std::move(reason), std::move(message)};
    }
    static Health reconciling(std::string reason, std::string message) {
        return {State::Reconciling, std::move(reason), std::move(message)};
    }
    static Health stalled(std::string reason, std::string message) {
        return {State::Stalled, std::move(reason), std::move(message)};
    }
};

/// Ready, Reconciling and Stalled for `health`: the one of its state True,
/// the others False; all three with its reason and message (bounded when
/// set, as every condition is: set_condition).
std::vector<ConditionUpdate> health_conditions(const Health& health);

/// True for the types health_conditions writes: Ready, Reconciling, Stalled.
bool is_health_condition(std::string_view type);

/// Replaces Ready, Reconciling and Stalled in `updates` by health_conditions
/// (in place where present, appended otherwise).
void set_health(std::vector<ConditionUpdate>& updates, const Health& health);

/// Why a spec cannot be acted on.
struct SpecProblem {
    std::string reason;   // InvalidSelector when the first failing field is a selector, InvalidSpec otherwise
    std::string message;  // "spec.x: why; spec.y: why"
};

/// The problem of `errors` (decode or validate), nullopt when there is none.
std::optional<SpecProblem> spec_problem(const std::vector<api::v1alpha1::FieldError>& errors);

/// The problem of an object as decoded: its decode error, else what
/// validate() finds; nullopt for a valid object.
template <class T>
std::optional<SpecProblem> spec_problem_of(const kube::Result<T>& decoded) {
    if (!decoded.ok()) return spec_problem({api::v1alpha1::field_error_of(decoded.error())});
    return spec_problem(validate(decoded.value()));
}

/// The one definition, for every kind, of what a spec that does not decode or
/// validate shows: Stalled=True, Ready=False, Reconciling=False with the
/// problem's reason and message, and Degraded=True likewise when the kind
/// has that condition (`with_degraded`). Its Warning Event follows from
/// Stalled (stalled_event). What the object already runs stays as it is.
std::vector<ConditionUpdate> invalid_spec_conditions(const SpecProblem& problem, bool with_degraded);

/// A Warning Event a status write brings.
struct WarningEvent {
    std::string reason;
    std::string note;
    std::string action;  // Validate, Apply or Render
    friend bool operator==(const WarningEvent&, const WarningEvent&) = default;
};

/// The Event due when `after` shows Stalled=True and `before` did not show
/// it with the same reason and message: reason and note of the Stalled
/// condition. Nullopt otherwise, so a status rewritten unchanged never
/// repeats it.
std::optional<WarningEvent> stalled_event(const std::vector<api::v1alpha1::Condition>& before,
                                          const std::vector<api::v1alpha1::Condition>& after);

} // namespace labfleet::controllers
