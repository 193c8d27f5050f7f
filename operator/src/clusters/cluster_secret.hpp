#pragma once
// A registered cluster: a Secret in the operator's namespace, labelled
// labfleet.dev/secret-type=cluster, whose data.kubeconfig reaches it. The
// Secret's name is the cluster's name, which DeploymentTarget.spec.cluster.name
// refers to. The kubeconfig authenticates with a bearer token or a client
// certificate, and carries everything inline: exec and auth-provider plugins
// and file references are refused (they would run or read things in the
// operator's own pod).

#include <string>
#include <variant>

#include "kube/config/cluster_config.hpp"
#include "kube/json/json.hpp"

namespace labfleet::clusters {

inline constexpr const char* secret_type_label = "labfleet.dev/secret-type";
inline constexpr const char* secret_type_cluster = "cluster";
inline constexpr const char* kubeconfig_key = "kubeconfig";

/// The selector of the Secrets the operator reads.
std::string cluster_secret_selector();

/// A registered cluster's connection settings, and a fingerprint of the
/// Secret data they came from: a rotated credential changes it.
struct ClusterCredentials {
    kube::ClusterConfig config;
    std::string fingerprint;
};

/// The cluster `secret` registers, or why it cannot be used, naming the
/// field: "data.kubeconfig: users[0].user.exec: not supported (...)".
std::variant<ClusterCredentials, std::string> credentials_from_secret(const kube::Json& secret);

} // namespace labfleet::clusters
