#include "kube/events/event_recorder.hpp"

#include <cctype>
#include <cstdio>

#include "kube/meta/time_format.hpp"
#include "kube/util/text.hpp"

namespace labfleet::kube {
namespace {

constexpr std::size_t kMaxNameLength = 253;
constexpr std::size_t kMaxShortField = 128;  // reason, action, reportingInstance
constexpr std::size_t kMaxNote = 1024;

std::string series_key(const ObjectReference& r, EventType type, std::string_view reason, std::string_view note) {
    std::string key;
    for (std::string_view part : {std::string_view{r.api_version}, std::string_view{r.kind}, std::string_view{r.ns},
                                  std::string_view{r.name}, std::string_view{r.uid}, to_string(type), reason, note}) {
        key += part;
        key += '\x1f';
    }
    return key;
}

} // namespace

std::string_view to_string(EventType type) { return type == EventType::Warning ? "Warning" : "Normal"; }

EventRecorder::EventRecorder(const Clock& clock, EventRecorderOptions options)
    : clock_(clock), options_(std::move(options)) {}

EventAction EventRecorder::record(const ObjectReference& regarding, EventType type, std::string_view reason_in,
                                  std::string_view note_in, std::string_view action_in) {
    if (reason_in.empty() || regarding.name.empty()) return {};
    const std::string reason = truncate_utf8(reason_in, kMaxShortField);
    const std::string note = truncate_utf8(note_in, kMaxNote);
    const std::string action = truncate_utf8(action_in.empty() ? reason_in : action_in, kMaxShortField);
    const MonoTime now = clock_.steady_now();
    const std::string key = series_key(regarding, type, reason, note);

    // lru_ runs from the most recently observed series to the least: one
    // unobserved for longer than the window can only be replaced, never
    // extended, so it is not worth remembering.
    while (!lru_.empty() && now - lru_.back().last_observed > options_.series_window) {
        by_key_.erase(lru_.back().key);
        lru_.pop_back();
    }

    if (const auto found = by_key_.find(key); found != by_key_.end()) {
        Series& series = *found->second;
        if (now - series.last_observed <= options_.series_window) {
            lru_.splice(lru_.begin(), lru_, found->second);
            ++series.count;
            series.last_observed = now;
            if (now - series.last_written < options_.min_patch_interval) return {};
            series.last_written = now;
            Json patch = {{"series",
                           {{"count", series.count}, {"lastObservedTime", format_rfc3339_micro(clock_.now())}}}};
            return {EventAction::Kind::Patch, series.ns, series.name, std::move(patch)};
        }
        lru_.erase(found->second);
        by_key_.erase(found);
    }

    const std::string ns = regarding.ns.empty() ? "default" : regarding.ns;
    std::string name = unique_name(regarding.name);
    Json event = event_body(regarding, ns, name, type, reason, note, action);

    lru_.push_front(Series{key, ns, name, 1, now, now});
    by_key_[key] = lru_.begin();
    while (lru_.size() > options_.max_tracked) {
        by_key_.erase(lru_.back().key);
        lru_.pop_back();
    }
    return {EventAction::Kind::Create, ns, std::move(name), std::move(event)};
}

EventAction EventRecorder::record_once(const ObjectReference& regarding, EventType type, std::string_view reason_in,
                                       std::string_view note_in, std::string_view action_in, std::string_view name) {
    if (reason_in.empty() || regarding.name.empty() || name.empty()) return {};
    const std::string ns = regarding.ns.empty() ? "default" : regarding.ns;
    const std::string once_key = ns + "/" + std::string(name);
    if (const auto found = once_.find(once_key); found != once_.end()) {
        once_lru_.splice(once_lru_.begin(), once_lru_, found->second);
        return {};
    }
    once_lru_.push_front(once_key);
    once_[once_key] = once_lru_.begin();
    while (once_lru_.size() > options_.max_tracked) {
        once_.erase(once_lru_.back());
        once_lru_.pop_back();
    }
    const std::string reason = truncate_utf8(reason_in, kMaxShortField);
    const std::string action = truncate_utf8(action_in.empty() ? reason_in : action_in, kMaxShortField);
    const std::string event_name(name.substr(0, kMaxNameLength));
    Json event = event_body(regarding, ns, event_name, type, reason, truncate_utf8(note_in, kMaxNote), action);
    return {EventAction::Kind::Create, ns, event_name, std::move(event)};
}

Json EventRecorder::event_body(const ObjectReference& regarding, const std::string& ns, const std::string& name,
                               EventType type, const std::string& reason, const std::string& note,
                               const std::string& action) const {
    Json ref = {{"apiVersion", regarding.api_version}, {"kind", regarding.kind}, {"name", regarding.name}};
    if (!regarding.ns.empty()) ref["namespace"] = regarding.ns;
    if (!regarding.uid.empty()) ref["uid"] = regarding.uid;
    return {
        {"apiVersion", "events.k8s.io/v1"},
        {"kind", "Event"},
        {"metadata", {{"name", name}, {"namespace", ns}}},
        {"eventTime", format_rfc3339_micro(clock_.now())},
        {"reportingController", options_.reporting_controller},
        {"reportingInstance", truncate_utf8(options_.reporting_instance, kMaxShortField)},
        {"action", action},
        {"reason", reason},
        {"note", note},
        {"type", to_string(type)},
        {"regarding", std::move(ref)},
    };
}

void EventRecorder::forget(const std::string& ns, const std::string& name) {
    if (const auto once = once_.find(ns + "/" + name); once != once_.end()) {
        once_lru_.erase(once->second);
        once_.erase(once);
        return;
    }
    for (auto it = lru_.begin(); it != lru_.end(); ++it) {
        if (it->ns == ns && it->name == name) {
            by_key_.erase(it->key);
            lru_.erase(it);
            return;
        }
    }
}

std::string EventRecorder::unique_name(std::string_view regarding_name) {
    // Like client-go, "<name>.<hex nanoseconds>", kept strictly increasing so
    // two events in the same clock tick still get distinct names.
    const auto nanos = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count());
    last_suffix_ = nanos > last_suffix_ ? nanos : last_suffix_ + 1;
    char suffix[24];
    const int n = std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(last_suffix_));
    std::string name(regarding_name.substr(0, kMaxNameLength - static_cast<std::size_t>(n)));
    while (!name.empty() && (name.back() == '.' || name.back() == '-')) name.pop_back();
    name.append(suffix, static_cast<std::size_t>(n));
    return name;
}

std::string occurrence_event_name(std::string_view regarding_name, std::string_view reason,
                                  std::string_view occurrence) {
    // FNV-1a, 64 bits: stable across builds and platforms, unlike std::hash.
    std::uint64_t hash = 14695981039346656037ull;
    for (const char c : occurrence) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    std::string tail = ".";
    for (const char c : reason) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u)) tail += static_cast<char>(std::tolower(u));
        else if (c == '-') tail += c;
    }
    char digits[18];
    std::snprintf(digits, sizeof digits, ".%016llx", static_cast<unsigned long long>(hash));
    tail += digits;
    if (tail.size() > 64) tail = tail.substr(0, 64 - 17) + digits;
    std::string name(regarding_name.substr(0, kMaxNameLength - tail.size()));
    while (!name.empty() && (name.back() == '.' || name.back() == '-')) name.pop_back();
    return name + tail;
}

} // namespace labfleet::kube
