#pragma once
// ApiEventSink: records Events through the API server. Each occurrence goes
// through the EventRecorder (repeats become a series on one Event) and the
// write runs in the background, so recording never delays a reconcile; a
// failed write is logged and dropped (events are best-effort, as in client-go).

#include <boost/asio/any_io_executor.hpp>

#include "kube/client.hpp"
#include "kube/event_recorder.hpp"
#include "kube/event_sink.hpp"
#include "kube/logger.hpp"

namespace labfleet::manager {

class ApiEventSink final : public kube::EventSink {
public:
    /// `client` (leader-gated) and `clock` must outlive the sink.
    ApiEventSink(boost::asio::any_io_executor executor, kube::Client& client, const kube::Clock& clock,
                 kube::EventRecorderOptions options);

    void record(const kube::Json& regarding, kube::EventType type, std::string reason, std::string note,
                std::string action) override;

private:
    boost::asio::any_io_executor executor_;
    kube::Client& client_;
    kube::EventRecorder recorder_;
    kube::Logger log_;
};

/// The ObjectReference of an object (apiVersion, kind, metadata name/namespace/uid).
kube::ObjectReference reference_to(const kube::Json& object);

} // namespace labfleet::manager
