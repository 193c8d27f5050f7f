#include "integration/runtime/cluster.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <sys/wait.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "kube/config/config_loader.hpp"
#include "kube/client/rest.hpp"

namespace labfleet::testing {

namespace {

std::string required_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
        throw std::runtime_error(std::string(name) + " is not set: run through ctest (the cluster fixture)");
    return value;
}

std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

} // namespace

kube::ClusterConfig cluster_config() {
    required_env("KUBECONFIG");
    auto config = kube::load_cluster_config({}, kube::ConfigEnvironment::process());
    if (!config) throw std::runtime_error("cluster config: " + config.error().describe());
    return std::move(config).value();
}

std::string cluster_dir() { return required_env("LABFLEET_CLUSTER_DIR"); }

std::string unique_name(const std::string& prefix) {
    static std::mt19937 random{std::random_device{}()};
    static const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string name = prefix + "-";
    for (int i = 0; i < 6; ++i) name += digits[random() % 36];
    return name;
}

ShellResult run_shell(const std::string& command) {
    const std::string script = "source " + shell_quote(cluster_dir() + "/env.sh") + " && " + command;
    const std::string line = "bash -c " + shell_quote(script) + " 2>&1";
    ShellResult result;
    FILE* pipe = ::popen(line.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed for: " + command);
    std::array<char, 4096> buffer{};
    for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) result.output.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

ShellResult cluster_script(const std::string& subcommand) {
    return run_shell(shell_quote(std::string(LABFLEET_SOURCE_DIR) + "/hack/local-cluster.sh") + " " + subcommand +
                     " --dir " + shell_quote(cluster_dir()));
}

BackgroundShell::BackgroundShell(std::string command)
    : thread_([this, command = std::move(command)] {
          result_ = run_shell(command);
          done_.store(true);
      }) {}

BackgroundShell::~BackgroundShell() { thread_.join(); }

asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<bool> wait_until(std::function<bool()> condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) co_return false;
        co_await sleep_for(std::chrono::milliseconds{50});
    }
    co_return true;
}

std::map<std::string, std::string> snapshot(const kube::Store& store) {
    std::map<std::string, std::string> result;
    for (const auto& object : store.list())
        result[(*object)["metadata"]["name"].get<std::string>()] = std::string(kube::resource_version_of(*object));
    return result;
}

asio::awaitable<std::map<std::string, std::string>> fresh_snapshot(kube::Client& client, kube::ResourceType type,
                                                                     std::string ns, std::string label_selector) {
    kube::ListOptions options;
    options.limit = 500;
    options.label_selector = std::move(label_selector);
    auto list = co_await kube::rest::list_all(client, type, ns, options);
    if (!list) throw std::runtime_error("fresh list: " + list.error().describe());
    std::map<std::string, std::string> result;
    for (const auto& item : (*list)["items"])
        result[item["metadata"]["name"].get<std::string>()] = item["metadata"]["resourceVersion"].get<std::string>();
    co_return result;
}

namespace {
/// Built outside the coroutine: GCC 12 miscompiles braced JSON literals inside them.
kube::Json namespace_object(const std::string& name) {
    return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}
} // namespace

asio::awaitable<bool> ensure_namespace(kube::Client& client, std::string name) {
    auto created = co_await kube::rest::create(client, kube::resources::namespaces(), "", namespace_object(name));
    if (!created && created.error().reason != kube::ErrorReason::AlreadyExists)
        throw std::runtime_error("create namespace " + name + ": " + created.error().describe());
    co_return true;
}

kube::Json config_map(const std::string& ns, const std::string& name, const std::string& value) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"labfleet.dev/test", "runtime"}}}}},
            {"data", {{"value", value}}}};
}

} // namespace labfleet::testing
