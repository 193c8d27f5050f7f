#pragma once
// What `kubectl labfleet cluster add` writes, as pure functions: the objects
// in the other cluster (the service account, the least Roles Labfleet needs
// there and their bindings, the Secret its token is bound to), the
// TokenRequest, and the home Secret holding a kubeconfig with that token.
// docs/multicluster.md shows the same objects as the manual steps.
//
// The target Roles are derived from clusters::permissions_needed, the list
// the operator asks the remote cluster for, so the two cannot drift apart.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "clusters/remote_permissions.hpp"
#include "kube/client/resource.hpp"
#include "kube/config/cluster_config.hpp"
#include "kube/json/json.hpp"
#include "plugin/command_line.hpp"

namespace labfleet::plugin {

/// The field manager of the verb's server-side applies.
inline constexpr const char* registration_field_manager = "kubectl-labfleet";
/// The names of the Roles (and their RoleBindings) in each target namespace and in kube-system.
inline constexpr const char* target_role_name = "labfleet-target";
inline constexpr const char* identity_role_name = "labfleet-cluster-identity";

kube::ResourceType service_accounts();
kube::ResourceType roles();
kube::ResourceType role_bindings();

/// The permission that reads the cluster's identity (the uid of kube-system),
/// as clusters/cluster_connection.cpp reads it.
clusters::Permission identity_permission();

/// RBAC rules granting exactly `permissions`: one rule per API group, verbs
/// and resource name, with the resources sharing them merged, in first-seen order.
kube::Json role_rules(const std::vector<clusters::Permission>& permissions);

/// The Secret in the other cluster the tokens are bound to: deleting it revokes them.
std::string token_secret_name(const std::string& cluster);

/// An object in the other cluster and how to address it.
struct RemoteObject {
    kube::ResourceType type;
    kube::Json object;
};

/// The objects `command` applies in the other cluster, in order: the service
/// account's namespace, the target namespaces (with --create-namespaces), the
/// ServiceAccount, per target namespace its Role and RoleBinding, the identity
/// Role and RoleBinding in kube-system, and the token's Secret.
std::vector<RemoteObject> remote_objects(const ClusterAddCommand& command);

/// The TokenRequest for a token of `duration` bound to Secret `secret_name` (uid `secret_uid`).
kube::Json token_request(const std::string& secret_name, const std::string& secret_uid,
                         std::chrono::seconds duration);

/// Why a registration cannot be built, naming the field or object.
struct RegistrationError {
    std::string message;
};

/// The kubeconfig reaching `remote` (its server, CA and TLS server name) with
/// `token` alone, everything inline. Refused when `remote` skips TLS
/// verification: the operator would carry that on unnoticed.
std::variant<std::string, RegistrationError> token_kubeconfig(const std::string& cluster,
                                                              const kube::ClusterConfig& remote,
                                                              const std::string& user, const std::string& token);

/// The home Secret registering `command.name` with `kubeconfig`, checked as
/// the operator reads it (clusters::credentials_from_secret): a refusal
/// there is an error here, before anything is written at home.
std::variant<kube::Json, RegistrationError> cluster_secret(const ClusterAddCommand& command,
                                                           const std::string& kubeconfig);

/// "Role workshops/labfleet-target", "Namespace labs".
std::string describe_object(const kube::Json& object);

/// Standard base64 with padding.
std::string encode_base64(std::string_view bytes);

} // namespace labfleet::plugin
