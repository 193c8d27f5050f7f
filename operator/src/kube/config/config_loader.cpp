#include "kube/config/config_loader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace labfleet::kube {
namespace fs = std::filesystem;
namespace {

/// File contents, or the system's reason it could not be read.
std::variant<std::string, std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::variant<std::string, std::string>{std::in_place_index<1>, std::strerror(errno)};
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return std::variant<std::string, std::string>{std::in_place_index<1>, "read failed"};
    return std::variant<std::string, std::string>{std::in_place_index<0>, content.str()};
}

std::string trim(std::string s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

/// One named entry of a kubeconfig list (clusters, users, contexts).
struct Entry {
    std::string file;
    std::string path;  // "clusters[0].cluster", for messages
    YAML::Node body;
    bool inline_only = false;  // FileReferences::Refuse: a path field is an error, not a file read
};

struct MergedConfig {
    std::vector<std::string> files;  // the files actually read, in order
    std::string current_context;
    std::string current_context_file;
    std::map<std::string, Entry> clusters;
    std::map<std::string, Entry> users;
    std::map<std::string, Entry> contexts;
};

using Error = std::optional<ConfigError>;

/// Reads `map[field]` as a string; absent or null is nullopt, anything but a scalar an error.
Error scalar(const YAML::Node& map, const std::string& file, const std::string& path, const char* field,
             std::optional<std::string>& out) {
    out.reset();
    if (!map.IsMap()) return std::nullopt;
    const YAML::Node node = map[field];
    if (!node.IsDefined() || node.IsNull()) return std::nullopt;
    if (!node.IsScalar()) return ConfigError{file, path + "." + field, "must be a string"};
    out = node.Scalar();
    return std::nullopt;
}

Error merge_list(const YAML::Node& root, const std::string& file, const char* list, const char* item,
                 std::map<std::string, Entry>& into) {
    const YAML::Node entries = root[list];
    if (!entries.IsDefined() || entries.IsNull()) return std::nullopt;
    if (!entries.IsSequence()) return ConfigError{file, list, "must be a list"};
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const std::string path = std::string(list) + "[" + std::to_string(i) + "]";
        const YAML::Node entry = entries[i];
        if (!entry.IsMap()) return ConfigError{file, path, "must be a mapping"};
        std::optional<std::string> name;
        if (Error e = scalar(entry, file, path, "name", name)) return e;
        if (!name || name->empty()) return ConfigError{file, path + ".name", "missing"};
        const YAML::Node body = entry[item];
        if (body.IsDefined() && !body.IsNull() && !body.IsMap())
            return ConfigError{file, path + "." + item, "must be a mapping"};
        // An absent body is kept as null: yaml-cpp throws on reading a missing node.
        into.try_emplace(*name, Entry{file, path + "." + item, body.IsDefined() ? body : YAML::Node()});
    }
    return std::nullopt;
}

/// Merges one kubeconfig whose contents are `text`; `file` names it.
Error merge_text(std::string_view text, const std::string& file, MergedConfig& merged) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        return ConfigError{file, "", std::string("invalid YAML: ") + e.what()};
    }
    merged.files.push_back(file);
    if (!root.IsDefined() || root.IsNull()) return std::nullopt;
    if (!root.IsMap()) return ConfigError{file, "", "not a kubeconfig (expected a mapping)"};

    std::optional<std::string> current;
    if (Error e = scalar(root, file, "", "current-context", current)) {
        e->key = "current-context";
        return e;
    }
    if (current && !current->empty() && merged.current_context.empty()) {
        merged.current_context = *current;
        merged.current_context_file = file;
    }
    if (Error e = merge_list(root, file, "clusters", "cluster", merged.clusters)) return e;
    if (Error e = merge_list(root, file, "users", "user", merged.users)) return e;
    if (Error e = merge_list(root, file, "contexts", "context", merged.contexts)) return e;
    return std::nullopt;
}

Error merge_file(const std::string& file, MissingFile missing, MergedConfig& merged) {
    auto content = read_file(file);
    if (content.index() == 1) {
        if (missing == MissingFile::Skip && !fs::exists(file)) return std::nullopt;
        return ConfigError{file, "", "cannot read: " + std::get<1>(content)};
    }
    return merge_text(std::get<0>(content), file, merged);
}

/// PEM (or token) material given inline as base64 `data_field` or as a file `path_field`.
Error material(const Entry& entry, const char* data_field, const char* path_field, std::string& out) {
    std::optional<std::string> data;
    std::optional<std::string> path;
    if (Error e = scalar(entry.body, entry.file, entry.path, data_field, data)) return e;
    if (Error e = scalar(entry.body, entry.file, entry.path, path_field, path)) return e;
    if (data && !data->empty()) {
        std::optional<std::string> decoded = decode_base64(*data);
        if (!decoded) return ConfigError{entry.file, entry.path + "." + data_field, "invalid base64"};
        out = std::move(*decoded);
    } else if (path && !path->empty()) {
        if (entry.inline_only)
            return ConfigError{entry.file, entry.path + "." + path_field,
                               std::string("file references are not allowed here (use ") + data_field + ")"};
        const fs::path resolved = fs::path(*path).is_absolute() ? fs::path(*path)
                                                                 : fs::path(entry.file).parent_path() / *path;
        auto content = read_file(resolved.string());
        if (content.index() == 1)
            return ConfigError{entry.file, entry.path + "." + path_field,
                               "cannot read " + resolved.string() + ": " + std::get<1>(content)};
        out = std::move(std::get<0>(content));
    }
    return std::nullopt;
}

Error apply_cluster(const Entry& cluster, ClusterConfig& config) {
    std::optional<std::string> server;
    std::optional<std::string> server_name;
    if (Error e = scalar(cluster.body, cluster.file, cluster.path, "server", server)) return e;
    if (!server || server->empty()) return ConfigError{cluster.file, cluster.path + ".server", "missing"};
    config.server = *server;
    if (Error e = scalar(cluster.body, cluster.file, cluster.path, "tls-server-name", server_name)) return e;
    config.tls_server_name = server_name.value_or("");
    if (Error e = material(cluster, "certificate-authority-data", "certificate-authority", config.ca_pem)) return e;

    const YAML::Node insecure = cluster.body["insecure-skip-tls-verify"];
    if (insecure.IsDefined() && !insecure.IsNull()) {
        try {
            config.insecure_skip_tls_verify = insecure.as<bool>();
        } catch (const YAML::Exception&) {
            return ConfigError{cluster.file, cluster.path + ".insecure-skip-tls-verify", "must be true or false"};
        }
    }
    if (config.insecure_skip_tls_verify && !config.ca_pem.empty())
        return ConfigError{cluster.file, cluster.path + ".insecure-skip-tls-verify",
                           "cannot be combined with a certificate authority"};
    return std::nullopt;
}

Error apply_user(const Entry& user, ClusterConfig& config) {
    for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
        const YAML::Node node = user.body[unsupported];
        if (node.IsDefined() && !node.IsNull())
            return ConfigError{user.file, user.path + "." + unsupported,
                               "not supported (use a client certificate or a token)"};
    }
    if (Error e = material(user, "client-certificate-data", "client-certificate", config.client_cert_pem)) return e;
    if (Error e = material(user, "client-key-data", "client-key", config.client_key_pem)) return e;
    if (config.client_cert_pem.empty() != config.client_key_pem.empty())
        return ConfigError{user.file, user.path,
                           config.client_cert_pem.empty() ? "client-key given without client-certificate"
                                                          : "client-certificate given without client-key"};
    std::optional<std::string> token;
    std::optional<std::string> token_file;
    if (Error e = scalar(user.body, user.file, user.path, "token", token)) return e;
    if (Error e = scalar(user.body, user.file, user.path, "tokenFile", token_file)) return e;
    config.token = token.value_or("");
    if (token_file && !token_file->empty()) {
        if (user.inline_only)
            return ConfigError{user.file, user.path + ".tokenFile", "file references are not allowed here (use token)"};
        const fs::path resolved = fs::path(*token_file).is_absolute()
                                      ? fs::path(*token_file)
                                      : fs::path(user.file).parent_path() / *token_file;
        if (!std::ifstream(resolved))
            return ConfigError{user.file, user.path + ".tokenFile",
                               "cannot read " + resolved.string() + ": " + std::strerror(errno)};
        config.token_file = resolved.string();
    }
    return std::nullopt;
}

ConfigResult resolve(const MergedConfig& merged, std::string_view context_override) {
    const std::string first_file = merged.files.empty() ? "" : merged.files.front();
    const bool overridden = !context_override.empty();
    const std::string context_name = overridden ? std::string(context_override) : merged.current_context;
    if (context_name.empty()) return ConfigError{first_file, "current-context", "not set and no context given"};
    const auto context = merged.contexts.find(context_name);
    if (context == merged.contexts.end()) {
        return ConfigError{overridden ? first_file : merged.current_context_file,
                           overridden ? "" : "current-context", "context \"" + context_name + "\" not found"};
    }
    const Entry& ctx = context->second;

    std::optional<std::string> cluster_name;
    std::optional<std::string> user_name;
    std::optional<std::string> ns;
    if (Error e = scalar(ctx.body, ctx.file, ctx.path, "cluster", cluster_name)) return *e;
    if (Error e = scalar(ctx.body, ctx.file, ctx.path, "user", user_name)) return *e;
    if (Error e = scalar(ctx.body, ctx.file, ctx.path, "namespace", ns)) return *e;
    if (!cluster_name || cluster_name->empty()) return ConfigError{ctx.file, ctx.path + ".cluster", "missing"};

    ClusterConfig config;
    const auto cluster = merged.clusters.find(*cluster_name);
    if (cluster == merged.clusters.end())
        return ConfigError{ctx.file, ctx.path + ".cluster", "cluster \"" + *cluster_name + "\" not found"};
    if (Error e = apply_cluster(cluster->second, config)) return *e;

    if (user_name && !user_name->empty()) {
        const auto user = merged.users.find(*user_name);
        if (user == merged.users.end())
            return ConfigError{ctx.file, ctx.path + ".user", "user \"" + *user_name + "\" not found"};
        if (Error e = apply_user(user->second, config)) return *e;
    }
    config.ns = ns && !ns->empty() ? *ns : "default";
    config.source = "kubeconfig " + ctx.file + " (context " + context_name + ")";
    return config;
}

std::vector<std::string> split_path_list(const std::string& list) {
    std::vector<std::string> files;
    std::size_t start = 0;
    while (start <= list.size()) {
        const std::size_t end = std::min(list.find(':', start), list.size());
        std::string file = list.substr(start, end - start);
        if (!file.empty() && std::find(files.begin(), files.end(), file) == files.end()) files.push_back(file);
        start = end + 1;
    }
    return files;
}

} // namespace

std::string ConfigError::describe() const {
    std::string out;
    if (!file.empty()) out += "kubeconfig " + file + ": ";
    if (!key.empty()) out += key + ": ";
    out += message;
    return out;
}

ConfigEnvironment ConfigEnvironment::process() {
    ConfigEnvironment env;
    env.getenv = [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
    return env;
}

ConfigResult load_kubeconfig(const std::vector<std::string>& files, std::string_view context, MissingFile missing) {
    MergedConfig merged;
    for (const std::string& file : files) {
        if (Error e = merge_file(file, missing, merged)) return *e;
    }
    if (merged.files.empty()) {
        std::string list;
        for (const std::string& file : files) list += (list.empty() ? "" : ", ") + file;
        return ConfigError{"", "", "no kubeconfig file found (looked for " + list + ")"};
    }
    return resolve(merged, context);
}

ConfigResult load_kubeconfig_text(std::string_view text, const std::string& file, std::string_view context,
                                  FileReferences files) {
    MergedConfig merged;
    if (Error e = merge_text(text, file, merged)) return *e;
    if (files == FileReferences::Refuse)
        for (auto* entries : {&merged.clusters, &merged.users})
            for (auto& [name, entry] : *entries) entry.inline_only = true;
    return resolve(merged, context);
}

ConfigResult load_in_cluster_config(const ConfigEnvironment& env) {
    const auto host = env.getenv ? env.getenv("KUBERNETES_SERVICE_HOST") : std::nullopt;
    const auto port = env.getenv ? env.getenv("KUBERNETES_SERVICE_PORT") : std::nullopt;
    if (!host || host->empty() || !port || port->empty())
        return ConfigError{"", "", "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set"};

    ClusterConfig config;
    const bool ipv6 = host->find(':') != std::string::npos;
    config.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;

    const std::string dir = env.service_account_dir;
    const std::string token_path = dir + "/token";
    if (!std::ifstream(token_path))
        return ConfigError{"", "", "in-cluster: cannot read " + token_path + ": " + std::strerror(errno)};
    config.token_file = token_path;

    auto ca = read_file(dir + "/ca.crt");
    if (ca.index() == 1)
        return ConfigError{"", "", "in-cluster: cannot read " + dir + "/ca.crt: " + std::get<1>(ca)};
    config.ca_pem = std::move(std::get<0>(ca));

    auto ns = read_file(dir + "/namespace");
    config.ns = ns.index() == 0 ? trim(std::get<0>(ns)) : "";
    if (config.ns.empty()) config.ns = "default";
    config.source = "in-cluster";
    return config;
}

ConfigResult load_cluster_config(const ConfigOptions& options, const ConfigEnvironment& env) {
    if (!options.kubeconfig.empty()) return load_kubeconfig({options.kubeconfig}, options.context);

    const auto getenv = [&](const char* name) { return env.getenv ? env.getenv(name) : std::nullopt; };
    if (const auto list = getenv("KUBECONFIG"); list && !list->empty())
        return load_kubeconfig(split_path_list(*list), options.context, MissingFile::Skip);

    std::optional<ConfigError> in_cluster_error;
    const auto host = getenv("KUBERNETES_SERVICE_HOST");
    if (host && !host->empty()) {
        ConfigResult in_cluster = load_in_cluster_config(env);
        if (in_cluster) return in_cluster;
        in_cluster_error = in_cluster.error();
    }

    if (const auto home = getenv("HOME"); home && !home->empty()) {
        const std::string path = *home + "/.kube/config";
        if (fs::exists(path)) return load_kubeconfig({path}, options.context);
    }
    if (in_cluster_error) return *in_cluster_error;
    return ConfigError{"", "",
                       "no configuration found: pass --kubeconfig, set $KUBECONFIG, run in a cluster "
                       "or create ~/.kube/config"};
}

std::optional<std::string> decode_base64(std::string_view text) {
    static constexpr std::array<signed char, 256> table = [] {
        std::array<signed char, 256> t{};
        t.fill(-1);
        const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
        return t;
    }();

    std::string clean;
    clean.reserve(text.size());
    for (const char ch : text) {
        if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') clean += ch;
    }
    if (clean.size() % 4 != 0) return std::nullopt;

    std::string out;
    out.reserve(clean.size() / 4 * 3);
    for (std::size_t i = 0; i < clean.size(); i += 4) {
        const bool last = i + 4 == clean.size();
        int padding = 0;
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char ch = clean[i + j];
            int value = 0;
            if (ch == '=') {
                // Padding only at the end, only in the last two places, and contiguous.
                if (!last || j < 2) return std::nullopt;
                ++padding;
            } else {
                if (padding > 0) return std::nullopt;
                value = table[static_cast<unsigned char>(ch)];
                if (value < 0) return std::nullopt;
            }
            group = (group << 6) | static_cast<std::uint32_t>(value);
        }
        out += static_cast<char>((group >> 16) & 0xff);
        if (padding < 2) out += static_cast<char>((group >> 8) & 0xff);
        if (padding < 1) out += static_cast<char>(group & 0xff);
    }
    return out;
}

} // namespace labfleet::kube
