#pragma once
// EventSink: where controllers record Kubernetes Events. The manager's sink
// de-duplicates them (kube/event_recorder) and sends them in the background;
// tests use a recording fake. Recording never blocks or fails a reconcile.

#include <string>

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
};

} // namespace labfleet::kube
