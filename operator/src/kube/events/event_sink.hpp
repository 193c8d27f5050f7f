#pragma once
// EventSink: where controllers record Kubernetes Events. The manager's sink
// de-duplicates them (kube/event_recorder) and sends them in the background;
// tests use a recording fake. Recording never blocks or fails a reconcile.

#include <string>
#include <utility>

#include "kube/events/event_recorder.hpp"
#include "kube/json/json.hpp"

namespace labfleet::kube {

class EventSink {
public:
    virtual ~EventSink() = default;
    /// `regarding` is the object the event is about (its apiVersion, kind and
    /// metadata are read); `reason` is CamelCase (LeaseGranted), `note` a sentence.
    virtual void record(const Json& regarding, EventType type, std::string reason, std::string note,
                        std::string action) = 0;
    /// Records the one Event named `name` (occurrence_event_name): the
    /// record of an occurrence that must appear exactly once. Callers record
    /// it again whenever the state they read shows it happened, so a crash
    /// between the state write and the Event loses nothing; a name already
    /// written (by this process or an earlier one) is not written again.
    /// Sinks that cannot name Events (test fakes) record it as any other.
    virtual void record_once(const Json& regarding, EventType type, std::string reason, std::string note,
                             std::string action, std::string name) {
        (void)name;
        record(regarding, type, std::move(reason), std::move(note), std::move(action));
    }
};

} // namespace labfleet::kube
