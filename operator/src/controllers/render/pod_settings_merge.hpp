#pragma once
// The pod settings of one (workload, target) pair: the target's spec.pod
// (environment-wide) with the workload's spec.pod over it.
//
// Precedence, field by field:
//  - single values (priorityClassName, securityContext.runAsUser,
//    securityContext.runAsGroup): the workload's when set, else the target's;
//  - maps (resources.requests, resources.limits, nodeSelector, labels,
//    annotations): merged key by key, the workload's value winning a key both set;
//  - lists (imagePullSecrets, tolerations): the union, the target's entries
//    first, then the workload's that are not already there (a Secret by name,
//    a toleration by all its fields). A workload can add credentials and
//    tolerations but never take away the ones its environment needs.

#include <string>
#include <vector>

#include "api/v1alpha1/deployment_target.hpp"
#include "api/v1alpha1/pod_settings.hpp"
#include "api/v1alpha1/workload.hpp"

namespace labfleet::controllers {

api::v1alpha1::PodSettings merge_pod_settings(const api::v1alpha1::PodSettings& target,
                                              const api::v1alpha1::PodSettings& workload);

/// Why the merged settings of the pair cannot run, one message per problem:
/// a resource request above its limit where one comes from the workload and
/// the other from the target (each object's own settings are checked by its
/// validate()). Empty when the settings are consistent.
std::vector<std::string> pod_settings_conflicts(const api::v1alpha1::Workload& workload,
                                                const api::v1alpha1::DeploymentTarget& target,
                                                const api::v1alpha1::PodSettings& merged);

} // namespace labfleet::controllers
