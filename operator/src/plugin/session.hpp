#pragma once
// Session: the plugin's connection to one cluster, as blocking calls (a
// command line tool does one thing at a time). It finds the cluster as kubectl
// does (--kubeconfig, $KUBECONFIG, ~/.kube/config; --context), and answers
// the two questions a borrow asks first: who am I (SelfSubjectReview) and may
// I (SelfSubjectAccessReview).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/client/resource.hpp"
#include "kube/client/result.hpp"
#include "kube/config/cluster_config.hpp"
#include "kube/json/json.hpp"
#include "plugin/command_line.hpp"

namespace labfleet::plugin {

/// What a SelfSubjectAccessReview asks: may the caller VERB this?
struct AccessQuestion {
    std::string verb;
    std::string group;
    std::string resource;
    std::string name;  // empty: any object of the resource
};

class Session {
public:
    /// Loads the cluster config; the error names the kubeconfig and key at fault.
    static kube::Result<std::unique_ptr<Session>> open(const GlobalOptions& options);
    /// A session with `config` as it is (a registered cluster's, say).
    static kube::Result<std::unique_ptr<Session>> connect(kube::ClusterConfig config);
    ~Session();

    /// `ns` is empty for cluster-scoped kinds.
    kube::Result<kube::Json> get(const kube::ResourceType& type, const std::string& name, const std::string& ns = "");
    kube::Result<std::vector<kube::Json>> list(const kube::ResourceType& type);
    kube::Result<kube::Json> create(const kube::ResourceType& type, kube::Json object);
    kube::Result<kube::Json> merge_patch(const kube::ResourceType& type, const std::string& name, kube::Json patch);
    kube::Status remove(const kube::ResourceType& type, const std::string& name);
    /// Server-side apply of `object` (namespace and name from its metadata), taking
    /// over fields other managers set; `dry_run` checks it without persisting.
    kube::Result<kube::Json> apply(const kube::ResourceType& type, kube::Json object, const std::string& field_manager,
                                   bool dry_run = false);
    /// POST serviceaccounts/NAME/token: a TokenRequest answered with a token.
    kube::Result<kube::Json> request_token(const std::string& ns, const std::string& service_account,
                                           kube::Json token_request);

    /// The caller's user name, as the API server authenticated it.
    kube::Result<std::string> whoami();
    /// nullopt when allowed; otherwise why not (the authorizer's reason, or "no rule allows it").
    kube::Result<std::optional<std::string>> denied(const AccessQuestion& question);

    /// Where the session's config came from, for messages.
    const std::string& source() const;
    /// The server and credentials the session uses.
    const kube::ClusterConfig& config() const;

private:
    struct Impl;
    explicit Session(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace labfleet::plugin
