#pragma once
// EventRecorder: decides what to write for an events.k8s.io/v1 Event, without
// sending it. A repeat (same regarding object, reason, note and type) seen
// within the series window updates the first Event's `series` instead of
// creating a new one, as kube-rs and client-go do, so a hot failure loop
// leaves one Event with a count. Repeats closer than min_patch_interval to the
// last write are only counted (Drop); the next write carries the count.
//
// An occurrence that must be recorded exactly once, even across restarts (a
// lifecycle transition people and CI jobs wait on), is recorded with
// record_once under a name derived from what happened (occurrence_event_name):
// its owner re-records it whenever it finds the occurrence in the state it
// reads back, and the fixed name makes every re-send after the first a no-op
// (AlreadyExists at the API server, Drop within this process).

#include <chrono>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kube/util/clock.hpp"
#include "kube/json/json.hpp"

namespace labfleet::kube {

/// The object an Event is about (Event.regarding).
struct ObjectReference {
    std::string api_version;  // "labfleet.dev/v1alpha1"
    std::string kind;
    std::string name;
    std::string ns;           // empty for cluster-scoped objects
    std::string uid;
};

enum class EventType { Normal, Warning };

struct EventRecorderOptions {
    std::string reporting_controller = "labfleet";
    std::string reporting_instance;  // this replica, e.g. the pod name
    std::chrono::nanoseconds series_window = std::chrono::minutes{10};
    std::chrono::nanoseconds min_patch_interval = std::chrono::seconds{30};
    std::size_t max_tracked = 4096;  // recent events remembered for de-duplication
};

/// What to send: create `body` as Event `ns/name`, merge-patch Event `ns/name`
/// with `body`, or nothing.
struct EventAction {
    enum class Kind { Create, Patch, Drop };
    Kind kind = Kind::Drop;
    std::string ns;
    std::string name;
    Json body;
};

class EventRecorder {
public:
    explicit EventRecorder(const Clock& clock, EventRecorderOptions options = {});

    /// Decides the write for one occurrence. `action` defaults to `reason`
    /// when empty; an empty reason or regarding name is dropped (the API
    /// would refuse it). Too-long fields are truncated to the API's limits.
    EventAction record(const ObjectReference& regarding, EventType type, std::string_view reason,
                       std::string_view note, std::string_view action = {});
    /// Decides the write of the one Event named `name` (see
    /// occurrence_event_name): Create the first time, Drop while this
    /// recorder remembers it (the last max_tracked names). Never a series.
    EventAction record_once(const ObjectReference& regarding, EventType type, std::string_view reason,
                            std::string_view note, std::string_view action, std::string_view name);
    /// Forgets the Event `ns/name` (e.g. a patch found it gone, or a create
    /// failed), so the next repeat or record_once creates it again.
    void forget(const std::string& ns, const std::string& name);
    std::size_t tracked() const { return lru_.size(); }
    std::size_t tracked_once() const { return once_lru_.size(); }

private:
    struct Series {
        std::string key;
        std::string ns;
        std::string name;
        int count;
        MonoTime last_observed;
        MonoTime last_written;
    };

    std::string unique_name(std::string_view regarding_name);
    Json event_body(const ObjectReference& regarding, const std::string& ns, const std::string& name, EventType type,
                    const std::string& reason, const std::string& note, const std::string& action) const;

    const Clock& clock_;
    EventRecorderOptions options_;
    std::list<Series> lru_;  // most recently observed first
    std::unordered_map<std::string, std::list<Series>::iterator> by_key_;
    std::uint64_t last_suffix_ = 0;
    std::list<std::string> once_lru_;  // "ns/name" of record_once Events, most recent first
    std::unordered_map<std::string, std::list<std::string>::iterator> once_;
};

/// The name of the Event recording one occurrence of `reason` about the
/// object `regarding_name`: "<regarding_name>.<reason in lower case>.<16 hex
/// digits hashing `occurrence`>". `occurrence` identifies what happened (say
/// the object's uid and the time of the transition); equal inputs give equal
/// names, so recording it again after a restart is idempotent. A valid Event
/// name (DNS subdomain, at most 253 characters) for any object name.
std::string occurrence_event_name(std::string_view regarding_name, std::string_view reason,
                                  std::string_view occurrence);

std::string_view to_string(EventType type);

} // namespace labfleet::kube
