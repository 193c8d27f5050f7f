#include "plugin/views.hpp"

#include <algorithm>
#include <sstream>
#include <tuple>

#include "api/v1alpha1/duration.hpp"
#include "api/v1alpha1/environment_lease.hpp"
#include "controllers/lease/environment_lease_order.hpp"
#include "kube/json/json_fields.hpp"
#include "kube/meta/time_format.hpp"
#include "kube/util/text.hpp"
#include "plugin/promotion_approval.hpp"

namespace labfleet::plugin {
namespace {

std::string or_dash(std::string text) { return text.empty() ? "-" : text; }

std::string phase_of(const kube::Json& lease) { return kube::string_at(lease, "/status/phase"); }

std::int64_t queue_position(const kube::Json& lease) {
    const auto* status = lease.contains("status") ? &lease["status"] : nullptr;
    if (!status || !status->is_object() || !status->contains("queuePosition")) return 0;
    const auto& position = (*status)["queuePosition"];
    return position.is_number_integer() ? position.get<std::int64_t>() : 0;
}

std::string overrides_text(const kube::Json& lease) {
    const auto* spec = lease.contains("spec") ? &lease["spec"] : nullptr;
    if (!spec || !spec->contains("overrides") || !(*spec)["overrides"].is_array()) return "";
    std::string out;
    for (const auto& item : (*spec)["overrides"]) {
        const std::string workload = kube::string_field(item, "workload");
        for (const char* image : {"files", "workshop"}) {
            if (!item.contains(image)) continue;
            const std::string tag = kube::string_field(item[image], "tag");
            if (tag.empty()) continue;
            if (!out.empty()) out += ",";
            out += workload + (std::string(image) == "files" ? "" : ".workshop") + "=" + tag;
        }
    }
    return out;
}

std::string clock_time(kube::WallTime t) {
    // RFC 3339 "2026-12-01T14:05:09Z" → "14:05:09 UTC".
    const std::string text = kube::format_rfc3339(t);
    return text.size() >= 19 ? text.substr(11, 8) + " UTC" : text;
}

} // namespace

std::string render_table(const Table& table) {
    if (table.rows.empty()) return "No resources found.\n";
    std::vector<std::size_t> widths(table.header.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    };
    measure(table.header);
    for (const auto& row : table.rows) measure(row);
    std::ostringstream out;
    auto print = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t i = 0; i < widths.size(); ++i) {
            const std::string cell = i < row.size() ? row[i] : "";
            line += cell;
            if (i + 1 < widths.size()) line += std::string(widths[i] - cell.size() + 3, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out << line << '\n';
    };
    print(table.header);
    for (const auto& row : table.rows) print(row);
    return out.str();
}

std::string time_left(kube::WallTime deadline, kube::WallTime now) {
    if (deadline <= now) return "0s";
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - now);
    return api::v1alpha1::format_duration(left);
}

std::string age(kube::WallTime since, kube::WallTime now) {
    if (since >= now) return "0s";
    const auto ago = std::chrono::duration_cast<std::chrono::seconds>(now - since);
    return api::v1alpha1::format_duration(ago);
}

std::string printable(std::string_view text, std::size_t limit) {
    std::string out;
    out.reserve(std::min(text.size(), limit + 4));
    for (std::size_t i = 0; i < text.size() && out.size() <= limit; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        // C0 controls, DEL, and C1 controls (UTF-8 C2 80..C2 9F: some terminals read C2 9B as CSI).
        if (byte < 0x20 || byte == 0x7f) {
            out += '?';
        } else if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
            out += '?';
            ++i;
        } else {
            out += text[i];
        }
    }
    return kube::truncate_utf8_marked(out, limit);
}

Table leases_table(const std::vector<kube::Json>& leases, kube::WallTime now, bool wide) {
    std::vector<const kube::Json*> sorted;
    for (const auto& lease : leases) sorted.push_back(&lease);
    auto rank = [](const kube::Json& lease) {
        const std::string phase = phase_of(lease);
        return phase == "Active" ? 0 : phase == "Pending" ? 1 : 2;
    };
    std::ranges::sort(sorted, [&](const kube::Json* a, const kube::Json* b) {
        return std::tuple(kube::string_at(*a, "/spec/target"), rank(*a), queue_position(*a), kube::string_at(*a, "/metadata/name")) <
               std::tuple(kube::string_at(*b, "/spec/target"), rank(*b), queue_position(*b), kube::string_at(*b, "/metadata/name"));
    });
    Table table{{"NAME", "TARGET", "HOLDER", "PHASE", "POSITION", "TIME-LEFT"}, {}};
    if (wide) table.header.insert(table.header.end(), {"EXPIRES", "REASON", "BASE", "OVERRIDES"});
    for (const kube::Json* lease : sorted) {
        const std::string phase = phase_of(*lease);
        const auto expires = kube::parse_rfc3339(kube::string_at(*lease, "/status/expiresAt"));
        const std::int64_t position = queue_position(*lease);
        std::vector<std::string> row{kube::string_at(*lease, "/metadata/name"), kube::string_at(*lease, "/spec/target"),
                                     or_dash(kube::string_at(*lease, "/spec/holder")), or_dash(phase),
                                     position > 0 ? std::to_string(position) : "-",
                                     phase == "Active" && expires ? time_left(*expires, now) : "-"};
        if (wide) {
            row.push_back(expires ? kube::format_rfc3339(*expires) : "-");
            row.push_back(or_dash(kube::string_at(*lease, "/spec/reason")));
            row.push_back(or_dash(kube::string_at(*lease, "/spec/base")));
            row.push_back(or_dash(overrides_text(*lease)));
        }
        table.rows.push_back(std::move(row));
    }
    return table;
}

std::optional<std::vector<std::string>> placed_targets(const kube::Json& workload) {
    std::vector<std::string> placed;
    const kube::Json::json_pointer at("/status/targets");
    if (workload.contains(at) && workload.at(at).is_array())
        for (const auto& entry : workload.at(at)) placed.push_back(kube::string_field(entry, "name"));
    const std::string ready_targets = kube::string_at(workload, "/status/readyTargets");
    const auto slash = ready_targets.find('/');
    if (slash != std::string::npos && ready_targets.substr(slash + 1) != std::to_string(placed.size()))
        return std::nullopt;
    return placed;
}

Table status_table(const std::vector<kube::Json>& workloads, bool wide,
                   const std::map<std::string, std::string>& cluster_of_target) {
    Table table{{"WORKLOAD", "TARGET", "WORKSHOP-IMAGE", "FILES-IMAGE", "SOURCE", "READY"}, {}};
    if (wide) table.header.insert(table.header.end(), {"ENVIRONMENT", "CLUSTER"});
    for (const auto& workload : workloads) {
        const std::string name = kube::string_at(workload, "/metadata/name");
        const auto* targets = workload.contains("status") && workload["status"].contains("targets")
                                  ? &workload["status"]["targets"] : nullptr;
        const auto replicas = workload.contains("spec") && workload["spec"].contains("replicas") &&
                                      workload["spec"]["replicas"].is_number_integer()
                                  ? workload["spec"]["replicas"].get<std::int64_t>() : 1;
        if (!targets || !targets->is_array() || targets->empty()) {
            std::vector<std::string> row{name, "<none>", "-", "-", "-", "-"};
            if (wide) row.insert(row.end(), {"-", "-"});
            table.rows.push_back(std::move(row));
            continue;
        }
        for (const auto& target : *targets) {
            const auto ready = target.contains("readyReplicas") && target["readyReplicas"].is_number_integer()
                                   ? target["readyReplicas"].get<std::int64_t>() : 0;
            std::vector<std::string> row{name, kube::string_field(target, "name"),
                                         or_dash(kube::string_field(target, "workshopImage")),
                                         or_dash(kube::string_field(target, "filesImage")),
                                         or_dash(kube::string_field(target, "source")),
                                         std::to_string(ready) + "/" + std::to_string(replicas)};
            if (wide) {
                row.push_back(or_dash(kube::string_field(target, "environment")));
                const auto cluster = cluster_of_target.find(kube::string_field(target, "name"));
                row.push_back(cluster == cluster_of_target.end() ? "?" : or_dash(cluster->second));
            }
            table.rows.push_back(std::move(row));
        }
    }
    return table;
}

std::vector<kube::Json> open_leases_of(const std::vector<kube::Json>& leases, const std::string& holder,
                                       const std::optional<std::string>& target) {
    std::vector<kube::Json> out;
    for (const auto& lease : leases) {
        const std::string phase = phase_of(lease);
        if (phase != "Active" && phase != "Pending" && !phase.empty()) continue;
        if (kube::string_at(lease, "/spec/holder") != holder) continue;
        if (target && kube::string_at(lease, "/spec/target") != *target) continue;
        out.push_back(lease);
    }
    return out;
}

const kube::Json* active_lease_on(const std::vector<kube::Json>& leases, const std::string& target) {
    std::vector<api::v1alpha1::EnvironmentLease> decoded;
    std::vector<const kube::Json*> source;  // source[i] is the JSON of decoded[i]
    for (const auto& lease : leases) {
        auto typed = api::v1alpha1::EnvironmentLease::from_json(lease);
        if (!typed) continue;
        decoded.push_back(std::move(*typed));
        source.push_back(&lease);
    }
    const auto* holder = controllers::active_lease_of(decoded, target);
    return holder ? source[static_cast<std::size_t>(holder - decoded.data())] : nullptr;
}

std::string queue_line(const kube::Json& lease, const kube::Json* holder_lease, kube::WallTime now) {
    std::string line = "queued";
    if (const auto position = queue_position(lease); position > 0) line += " at position " + std::to_string(position);
    line += " on " + kube::string_at(lease, "/spec/target");
    if (holder_lease) {
        line += "; held by " + or_dash(kube::string_at(*holder_lease, "/spec/holder"));
        if (auto expires = kube::parse_rfc3339(kube::string_at(*holder_lease, "/status/expiresAt")))
            line += " until " + clock_time(*expires) + " (" + time_left(*expires, now) + " left)";
    }
    return line;
}

namespace {

/// Environments listed by promotion_view, at most (the CRD allows 8).
constexpr std::size_t shown_environments = 8;
/// Bytes of a name, tag or state printed; of the promotion's message; of an environment's.
constexpr std::size_t field_bytes = 128;
constexpr std::size_t message_bytes = 512;
constexpr std::size_t environment_message_bytes = 160;

/// "1.5.0", "WORKSHOP/FILES", or "-" when `object` names neither tag.
std::string version_of(const kube::Json& object) {
    const std::string workshop = kube::string_field(object, "workshopTag");
    const std::string files = kube::string_field(object, "filesTag");
    if (workshop.empty() && files.empty()) return "-";
    return printable(promotion_version(workshop, files), 2 * field_bytes + 1);
}

/// The age of the RFC 3339 time `field` of `object`, or "-".
std::string age_of(const kube::Json& object, const char* field, kube::WallTime now) {
    const auto at = kube::parse_rfc3339(kube::string_field(object, field));
    return at ? age(*at, now) : "-";
}

} // namespace

std::string promotion_view(const kube::Json& workload, kube::WallTime now, bool wide) {
    const kube::Json::json_pointer at("/status/promotion");
    if (!workload.is_object() || !workload.contains(at) || !workload.at(at).is_object()) return "";
    const kube::Json& promotion = workload.at(at);
    const kube::Json candidate = promotion.contains("candidate") ? promotion["candidate"] : kube::Json::object();
    std::string out = "promotion of " + version_of(candidate) + ": " +
                      or_dash(printable(kube::string_field(promotion, "phase"), field_bytes));
    if (const std::string summary = kube::string_field(promotion, "summary"); !summary.empty())
        out += " (" + printable(summary, field_bytes) + ")";
    out += "\n";
    if (const std::string message = kube::string_field(promotion, "message"); !message.empty())
        out += "  " + printable(message, message_bytes) + "\n";

    Table table{{"ENVIRONMENT", "VERSION", "STATE", "SINCE"}, {}};
    if (wide) table.header.insert(table.header.end(), {"SERVING", "MESSAGE"});
    std::size_t listed = 0;
    const kube::Json* environments = promotion.contains("environments") ? &promotion["environments"] : nullptr;
    if (environments && environments->is_array()) {
        for (const auto& environment : *environments) {
            if (!environment.is_object()) continue;
            if (++listed > shown_environments) continue;
            std::vector<std::string> row{or_dash(printable(kube::string_field(environment, "name"), field_bytes)),
                                         version_of(environment),
                                         or_dash(printable(kube::string_field(environment, "state"), field_bytes)),
                                         age_of(environment, "since", now)};
            if (wide) {
                row.push_back(age_of(environment, "servedSince", now));
                row.push_back(or_dash(printable(kube::string_field(environment, "message"), environment_message_bytes)));
            }
            table.rows.push_back(std::move(row));
        }
    }
    if (table.rows.empty()) return out + "  no environment reported yet\n";
    out += render_table(table);
    if (listed > shown_environments)
        out += "  (" + std::to_string(listed - shown_environments) + " more environments not shown)\n";
    return out;
}

} // namespace labfleet::plugin
