#pragma once
// ApiEventSink: records Events through the API server. Each occurrence goes
// through the EventRecorder (repeats become a series on one Event) and the
// write runs in the background, so recording never delays a reconcile; a
// failed write is logged and dropped (events are best-effort, as in client-go)
// and forgotten by the recorder, so the next record of it writes it again.
// A named Event (record_once) that already exists counts as written.
// Writes go out through a bounded queue drained by two senders, like
// client-go's broadcaster: a burst of events (1,000 leases expiring at once)
// never opens a connection per event or crowds out the controllers' writes;
// past `max_pending`, the oldest waiting event is dropped.

#include <cstddef>
#include <deque>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "kube/client/client.hpp"
#include "kube/events/event_recorder.hpp"
#include "kube/events/event_sink.hpp"
#include "kube/util/logger.hpp"

namespace labfleet::manager {

class ApiEventSink final : public kube::EventSink {
public:
    /// `client` (leader-gated) and `clock` must outlive the sink.
    ApiEventSink(boost::asio::any_io_executor executor, kube::Client& client, const kube::Clock& clock,
                 kube::EventRecorderOptions options);

    void record(const kube::Json& regarding, kube::EventType type, std::string reason, std::string note,
                std::string action) override;
    void record_once(const kube::Json& regarding, kube::EventType type, std::string reason, std::string note,
                     std::string action, std::string name) override;

    static constexpr std::size_t max_pending = 1000;
    static constexpr int max_senders = 2;

private:
    /// Queues a write (dropping the oldest past max_pending) and starts a sender if one is free.
    void enqueue(kube::EventAction decided);
    boost::asio::awaitable<void> drain();

    std::deque<kube::EventAction> pending_;
    int senders_ = 0;
    boost::asio::any_io_executor executor_;
    kube::Client& client_;
    kube::EventRecorder recorder_;
    kube::Logger log_;
};

/// The ObjectReference of an object (apiVersion, kind, metadata name/namespace/uid).
kube::ObjectReference reference_to(const kube::Json& object);

} // namespace labfleet::manager
