#include "controllers/served_leases.hpp"

#include <algorithm>
#include <map>

#include "kube/meta/time_format.hpp"

namespace labfleet::controllers {

std::vector<ServedLease> read_served_leases(const kube::Json& target) {
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

kube::Json to_json(const std::vector<ServedLease>& record) {
    kube::Json out = kube::Json::array();
    for (const auto& entry : record)
        out.push_back({{"name", entry.name}, {"deletedAt", kube::format_rfc3339(entry.deleted_at)}});
    return out;
}

std::chrono::milliseconds served_lease_memory(std::chrono::milliseconds retention) {
    return std::max<std::chrono::milliseconds>(retention, std::chrono::hours(24));
}

} // namespace labfleet::controllers
