#pragma once
// Config loading: finds the ClusterConfig the operator talks to, in
// controller-runtime's order: --kubeconfig, then $KUBECONFIG (several files
// joined by ':' are merged, the first file defining a name wins, as client-go
// does), then the in-cluster service account, then ~/.kube/config.
// Failures are values naming the file and key, e.g.
// "kubeconfig /x: users[0].user.client-key-data: invalid base64".

#include <cassert>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "kube/config/cluster_config.hpp"

namespace labfleet::kube {

struct ConfigError {
    std::string file;     // the kubeconfig at fault; empty when none (in-cluster, nothing found)
    std::string key;      // e.g. "users[0].user.client-key-data"; empty for the whole file
    std::string message;

    /// "kubeconfig FILE: KEY: MESSAGE", leaving out the parts that are empty.
    std::string describe() const;
};

/// A ClusterConfig or the reason there is none.
class [[nodiscard]] ConfigResult {
public:
    ConfigResult(ClusterConfig config) : v_(std::move(config)) {}
    ConfigResult(ConfigError error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    const ClusterConfig& value() const& { assert(ok()); return std::get<0>(v_); }
    ClusterConfig&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    const ClusterConfig* operator->() const { return &value(); }
    const ConfigError& error() const { assert(!ok()); return std::get<1>(v_); }

private:
    std::variant<ClusterConfig, ConfigError> v_;
};

/// What the loader reads from the process, injectable for tests.
struct ConfigEnvironment {
    std::function<std::optional<std::string>(const std::string&)> getenv;
    std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// The real environment variables and service-account directory.
    static ConfigEnvironment process();
};

struct ConfigOptions {
    std::string kubeconfig;  // --kubeconfig; empty = not given
    std::string context;     // --context; empty = the kubeconfig's current-context
};

/// Resolves the config in controller-runtime's order (see the file comment).
ConfigResult load_cluster_config(const ConfigOptions& options, const ConfigEnvironment& env);

enum class MissingFile { Fail, Skip };

/// Merges the kubeconfig `files` (first wins per name and for current-context)
/// and resolves `context` (or current-context). Relative file paths inside a
/// kubeconfig are relative to the directory of the file that names them.
ConfigResult load_kubeconfig(const std::vector<std::string>& files, std::string_view context = {},
                             MissingFile missing = MissingFile::Fail);

/// Whether a kubeconfig may name files (client-certificate, tokenFile, ...).
/// One that comes from an object rather than the operator's own disk may not:
/// it would read the operator's files (its service account token, say).
enum class FileReferences { Allow, Refuse };

/// load_kubeconfig of one kubeconfig given as `text` rather than read from
/// disk; `file` names it in messages and anchors the relative paths inside it.
ConfigResult load_kubeconfig_text(std::string_view text, const std::string& file, std::string_view context = {},
                                  FileReferences files = FileReferences::Allow);

/// The in-cluster config: KUBERNETES_SERVICE_HOST/PORT and the service
/// account's token (kept as token_file, so the transport re-reads rotated
/// tokens), ca.crt and namespace.
ConfigResult load_in_cluster_config(const ConfigEnvironment& env);

/// Standard base64 with padding; line breaks and spaces are ignored.
std::optional<std::string> decode_base64(std::string_view text);

} // namespace labfleet::kube
