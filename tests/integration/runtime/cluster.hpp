#pragma once
// Helpers for the runtime's integration tests against the real control plane
// the CTest "cluster" fixture starts (LABFLEET_CLUSTER_DIR, KUBECONFIG): the
// cluster config, shell steps (kubectl, hack/local-cluster.sh) in the
// foreground or on a thread, polling waits, and cache-vs-server snapshots.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include <boost/asio/awaitable.hpp>

#include "kube/client/client.hpp"
#include "kube/config/cluster_config.hpp"
#include "kube/client/resource.hpp"
#include "kube/cache/store.hpp"

namespace labfleet::testing {

namespace asio = boost::asio;

/// The config KUBECONFIG names; throws when the fixture did not set it up.
kube::ClusterConfig cluster_config();
/// $LABFLEET_CLUSTER_DIR; throws when unset.
std::string cluster_dir();
/// A name unique to this run, so a cluster reused across runs never sees stale objects.
std::string unique_name(const std::string& prefix);

struct ShellResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

/// Runs `command` with bash after sourcing the cluster's env.sh (kubectl on PATH).
ShellResult run_shell(const std::string& command);
/// "hack/local-cluster.sh SUBCOMMAND --dir $LABFLEET_CLUSTER_DIR", run with run_shell.
ShellResult cluster_script(const std::string& subcommand);

/// A shell command running on its own thread while the test's io_context keeps going.
class BackgroundShell {
public:
    explicit BackgroundShell(std::string command);
    ~BackgroundShell();
    BackgroundShell(const BackgroundShell&) = delete;
    BackgroundShell& operator=(const BackgroundShell&) = delete;

    bool done() const { return done_.load(); }
    /// Valid once done().
    const ShellResult& result() const { return result_; }

private:
    ShellResult result_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

/// Suspends for `delay` on the current executor.
asio::awaitable<void> sleep_for(std::chrono::milliseconds delay);
/// Polls `condition` every 50 ms; true once it holds, false after `limit`.
asio::awaitable<bool> wait_until(std::function<bool()> condition, std::chrono::milliseconds limit);

/// name → resourceVersion of every object in a store.
std::map<std::string, std::string> snapshot(const kube::Store& store);
/// name → resourceVersion of a fresh (consistent, uncached) list of the
/// objects matching `label_selector`; throws on failure.
asio::awaitable<std::map<std::string, std::string>> fresh_snapshot(kube::Client& client, kube::ResourceType type,
                                                                     std::string ns, std::string label_selector);
/// Creates namespace `name` (true); AlreadyExists is fine, anything else throws.
asio::awaitable<bool> ensure_namespace(kube::Client& client, std::string name);

/// The label every test ConfigMap carries, and the selector that matches it
/// (and not the kube-root-ca.crt the controller-manager adds to each namespace).
inline constexpr const char* test_selector = "labfleet.dev/test=runtime";

/// A small ConfigMap body, labelled for test_selector.
kube::Json config_map(const std::string& ns, const std::string& name, const std::string& value);

} // namespace labfleet::testing
