#include "kube/controller/crash_history.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace labfleet::kube {

namespace {

std::vector<std::string_view> split(std::string_view line, char separator) {
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
        const std::size_t end = line.find(separator, start);
        parts.push_back(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

} // namespace

void CrashHistory::record_death(const std::vector<ReconcileKey>& in_flight) {
    // Two slots naming one key would be a bug elsewhere; it still counts one death.
    const std::set<ReconcileKey> died_with(in_flight.begin(), in_flight.end());
    std::map<ReconcileKey, CrashEntry> next;
    for (const auto& [key, entry] : entries_)
        if (entry.quarantined()) next.emplace(key, entry);
    for (const auto& key : died_with) {
        CrashEntry entry;
        if (const auto it = entries_.find(key); it != entries_.end()) entry = it->second;
        entry.deaths += 1;
        entry.alone = died_with.size() == 1;
        next[key] = std::move(entry);
    }
    for (auto it = next.begin(); next.size() > max_entries && it != next.end();)
        it = died_with.contains(it->first) ? std::next(it) : next.erase(it);
    entries_ = std::move(next);
}

CrashHistory::Admission CrashHistory::admit(const ReconcileKey& key, const std::string& revision) {
    const auto it = entries_.find(key);
    if (it == entries_.end()) return {};
    CrashEntry& entry = it->second;
    if (entry.revision && *entry.revision != revision) {
        const bool was_quarantined = entry.quarantined();
        entries_.erase(it);
        return {Verdict::Run, true, was_quarantined};
    }
    const bool recorded = !entry.revision;
    entry.revision = revision;
    return {entry.quarantined() ? Verdict::Skip : Verdict::RunAlone, recorded, false};
}

bool CrashHistory::survived(const ReconcileKey& key) {
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.quarantined()) return false;
    entries_.erase(it);
    return true;
}

std::string CrashHistory::serialize() const {
    std::string text;
    for (const auto& [key, entry] : entries_) {
        text += std::to_string(entry.deaths) + '\t' + (entry.alone ? "1" : "0") + '\t' +
                (entry.revision ? "-" + *entry.revision : std::string()) + '\t' + key.controller + '\t' + key.key +
                '\n';
    }
    return text;
}

CrashHistory CrashHistory::parse(std::string_view text) {
    CrashHistory history;
    for (const std::string_view line : split(text, '\n')) {
        const auto fields = split(line, '\t');
        if (fields.size() != 5 || fields[3].empty() || fields[4].empty()) continue;
        CrashEntry entry;
        const auto [end, ec] = std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), entry.deaths);
        if (ec != std::errc{} || end != fields[0].data() + fields[0].size() || entry.deaths < 1) continue;
        if (fields[1] != "0" && fields[1] != "1") continue;
        entry.alone = fields[1] == "1";
        if (!fields[2].empty()) {
            if (fields[2].front() != '-') continue;
            entry.revision = std::string(fields[2].substr(1));
        }
        history.entries_[{std::string(fields[3]), std::string(fields[4])}] = std::move(entry);
        if (history.entries_.size() >= max_entries) break;
    }
    return history;
}

} // namespace labfleet::kube
