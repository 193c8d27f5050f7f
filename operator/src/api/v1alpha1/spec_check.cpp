#include "api/v1alpha1/spec_check.hpp"

#include <string>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "api/v1alpha1/scheduling_policy.hpp"
#include "api/v1alpha1/workload.hpp"

namespace labfleet::api::v1alpha1 {

namespace {
template <typename Kind>
std::optional<FieldError> problem_of(const kube::Json& object) {
    auto decoded = Kind::from_json(object);
    if (!decoded.ok()) return field_error_of(decoded.error());
    auto errors = validate(decoded.value());
    if (errors.empty()) return std::nullopt;
    return errors.front();
}
} // namespace

std::optional<FieldError> spec_refusal(const kube::Json& object) {
    const kube::Json* kind = object.is_object() && object.contains("kind") ? &object.at("kind") : nullptr;
    const std::string name = kind != nullptr && kind->is_string() ? kind->get<std::string>() : "";
    if (name == "DeploymentTarget") return problem_of<DeploymentTarget>(object);
    if (name == "Workload") return problem_of<Workload>(object);
    if (name == "SchedulingPolicy") return problem_of<SchedulingPolicy>(object);
    if (name == "EnvironmentLease") return problem_of<EnvironmentLease>(object);
    return FieldError{"kind", "expected DeploymentTarget, Workload, SchedulingPolicy or EnvironmentLease"};
}

} // namespace labfleet::api::v1alpha1
