#include "plugin/lease_extension.hpp"

#include "kube/json/json_fields.hpp"
#include "kube/meta/time_format.hpp"

namespace labfleet::plugin {

std::optional<std::string> extend_refusal(const kube::Json& lease, kube::WallTime now) {
    const std::string name = kube::string_at(lease, "/metadata/name");
    const std::string phase = kube::string_at(lease, "/status/phase");
    if (phase == "Expired" || phase == "Released")
        return "lease " + name + " has ended (" + phase + "); borrow again instead";
    if (phase != "Active") return std::nullopt;
    const auto expires_at = kube::parse_rfc3339(kube::string_at(lease, "/status/expiresAt"));
    if (!expires_at || now < *expires_at) return std::nullopt;
    return "lease " + name + " expired at " + kube::format_rfc3339(*expires_at) +
           " (the operator has not marked it yet); an expired lease cannot be extended: borrow again instead";
}

} // namespace labfleet::plugin
