#include "controllers/lease/served_leases.hpp"

#include <algorithm>
#include <map>

#include "controllers/render/config_hash.hpp"
#include "kube/meta/time_format.hpp"

namespace labfleet::controllers {

namespace {

constexpr std::string_view record_prefix = "labfleet-served-leases-";
constexpr std::size_t max_name_length = 253;

} // namespace

std::chrono::milliseconds served_lease_memory(std::chrono::milliseconds retention) {
    return std::max<std::chrono::milliseconds>(retention, std::chrono::hours(24));
}

std::string served_leases_record_name(std::string_view target) {
    std::string name = std::string(record_prefix) + std::string(target);
    if (name.size() <= max_name_length) return name;
    // Two long names sharing their first 200 characters still get two records.
    const std::string hash = sha256_hex(target).substr(0, 16);
    name.resize(max_name_length - hash.size() - 1);
    while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
    return name + "-" + hash;
}

std::vector<ServedLease> read_served_leases(const kube::Json& config_map) {
    std::vector<ServedLease> out;
    const auto data = config_map.find("data");
    if (data == config_map.end() || !data->is_object()) return out;
    for (const auto& [name, deleted_at] : data->items()) {
        if (!deleted_at.is_string()) continue;
        const auto time = kube::parse_rfc3339(deleted_at.get<std::string>());
        if (time) out.push_back({name, *time});
    }
    return out;
}

std::vector<ServedLease> read_target_served_leases(const kube::Json& target) {
    std::vector<ServedLease> out;
    const kube::Json::json_pointer at("/status/servedLeases");
    if (!target.contains(at) || !target.at(at).is_array()) return out;
    for (const kube::Json& entry : target.at(at)) {
        if (!entry.is_object()) continue;
        const auto name = entry.find("name");
        const auto deleted_at = entry.find("deletedAt");
        if (name == entry.end() || !name->is_string() || deleted_at == entry.end() || !deleted_at->is_string()) continue;
        const auto time = kube::parse_rfc3339(deleted_at->get<std::string>());
        if (!time) continue;
        out.push_back({name->get<std::string>(), *time});
    }
    return out;
}

std::set<std::string, std::less<>> recently_served(const std::vector<ServedLease>& record, kube::WallTime now,
                                                   std::chrono::milliseconds keep) {
    std::set<std::string, std::less<>> out;
    for (const auto& entry : record)
        if (now < entry.deleted_at + keep) out.insert(entry.name);
    return out;
}

std::vector<ServedLease> record_served(std::vector<ServedLease> record, const std::vector<std::string>& deleted,
                                       kube::WallTime now, std::chrono::milliseconds keep) {
    const auto stamp = std::chrono::floor<std::chrono::seconds>(now);
    std::map<std::string, kube::WallTime> latest;
    for (const auto& entry : record)
        if (now < entry.deleted_at + keep) latest[entry.name] = std::max(latest[entry.name], entry.deleted_at);
    for (const auto& name : deleted) latest[name] = stamp;
    std::vector<ServedLease> out;
    for (const auto& [name, at] : latest) out.push_back({name, at});
    std::sort(out.begin(), out.end(), [](const ServedLease& a, const ServedLease& b) {
        return a.deleted_at != b.deleted_at ? a.deleted_at < b.deleted_at : a.name < b.name;
    });
    if (out.size() > max_served_leases) out.erase(out.begin(), out.end() - max_served_leases);
    return out;
}

kube::Json served_leases_config_map(std::string_view target, const std::string& ns,
                                    const std::vector<ServedLease>& record) {
    kube::Json data = kube::Json::object();
    for (const auto& entry : record) data[entry.name] = kube::format_rfc3339(entry.deleted_at);
    // Not labelled managed-by labfleet: that label marks the children the
    // workload controller caches and prunes; this record is neither.
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata",
             {{"name", served_leases_record_name(target)},
              {"namespace", ns},
              {"labels", {{"app.kubernetes.io/part-of", "labfleet"}, {"app.kubernetes.io/component", "served-leases"}}},
              {"annotations", {{"labfleet.dev/target", std::string(target)}}}}},
            {"data", std::move(data)}};
}

kube::Json served_leases_patch(const std::vector<ServedLease>& before, const std::vector<ServedLease>& after,
                               const std::string& resource_version) {
    kube::Json data = kube::Json::object();
    for (const auto& entry : before) data[entry.name] = nullptr;
    for (const auto& entry : after) data[entry.name] = kube::format_rfc3339(entry.deleted_at);
    return {{"metadata", {{"resourceVersion", resource_version}}}, {"data", std::move(data)}};
}

} // namespace labfleet::controllers
