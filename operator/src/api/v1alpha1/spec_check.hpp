#pragma once
// SpecCheck: whether the operator can use an object of one of the four kinds
// as written, by the same decode and validation every reconciler runs. What
// the API server admits must pass it (tests/integration/admission_parity_test.sh
// holds the CRDs to that); the hidden `labfleet-operator check-specs` command
// exposes it to that test.

#include <optional>

#include "api/v1alpha1/field_error.hpp"
#include "kube/json/json.hpp"

namespace labfleet::api::v1alpha1 {

/// The first problem the operator finds in `object` (decode, then validate,
/// by its kind), or nullopt when it uses the object. A kind other than
/// DeploymentTarget, Workload, SchedulingPolicy or EnvironmentLease is a
/// problem of field "kind".
std::optional<FieldError> spec_refusal(const kube::Json& object);

} // namespace labfleet::api::v1alpha1
