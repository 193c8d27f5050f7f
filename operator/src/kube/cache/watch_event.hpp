#pragma once
// WatchEvent: one line of a watch response, decoded. An ERROR line is not an
// event but the ApiError its metav1.Status describes (code 410 → Gone).

#include <string>
#include <string_view>

#include "kube/json/json.hpp"
#include "kube/cache/object_trim.hpp"
#include "kube/client/result.hpp"

namespace labfleet::kube {

enum class WatchEventType { Added, Modified, Deleted, Bookmark };

struct WatchEvent {
    WatchEventType type = WatchEventType::Added;
    /// The trimmed object; for a bookmark only its kind and metadata.resourceVersion.
    ObjectPtr object;
    /// metadata.resourceVersion of the object: where a resumed watch starts.
    std::string resource_version;
    /// A BOOKMARK annotated k8s.io/initial-events-end: a streaming list's last initial event.
    bool initial_events_end = false;
};

/// Decodes `{"type":..., "object":{...}}`. ERROR → the ApiError of its Status;
/// anything malformed (not JSON, unknown type, object without metadata.name or
/// resourceVersion) → ErrorReason::Decode. Never throws.
Result<WatchEvent> parse_watch_event(std::string_view line, const ObjectTrim& trim);

std::string_view to_string(WatchEventType type);

/// An ErrorReason::Decode error for a response that is not what the API promises.
ApiError decode_error(std::string_view what, std::string_view detail);

} // namespace labfleet::kube
