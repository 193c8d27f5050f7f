#include "manager/api_event_sink.hpp"

#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "kube/json/json_fields.hpp"
#include "kube/client/rest.hpp"

namespace labfleet::manager {

namespace {

/// Writes one Event; the error, if the API server refused it.
boost::asio::awaitable<std::optional<kube::ApiError>> send_event(kube::Client& client, kube::EventAction action) {
    const auto events = kube::resources::events();
    if (action.kind == kube::EventAction::Kind::Create) {
        auto created = co_await kube::rest::create(client, events, action.ns, std::move(action.body));
        if (!created) co_return created.error();
        co_return std::nullopt;
    }
    // Named, not braced: GCC 12 destroys a braced temporary coroutine argument twice.
    kube::ObjectKey key{action.ns, action.name};
    auto patched = co_await kube::rest::patch(client, events, key, kube::PatchType::Merge, std::move(action.body));
    if (!patched) co_return patched.error();
    co_return std::nullopt;
}

} // namespace

kube::ObjectReference reference_to(const kube::Json& object) {
    kube::ObjectReference reference;
    if (!object.is_object()) return reference;
    reference.api_version = kube::string_field(object, "apiVersion");
    reference.kind = kube::string_field(object, "kind");
    if (auto metadata = object.find("metadata"); metadata != object.end() && metadata->is_object()) {
        reference.name = kube::string_field(*metadata, "name");
        reference.ns = kube::string_field(*metadata, "namespace");
        reference.uid = kube::string_field(*metadata, "uid");
    }
    return reference;
}

ApiEventSink::ApiEventSink(boost::asio::any_io_executor executor, kube::Client& client, const kube::Clock& clock,
                           kube::EventRecorderOptions options)
    : executor_(executor), client_(client), recorder_(clock, std::move(options)),
      log_(kube::default_logger().named("events")) {}

void ApiEventSink::record(const kube::Json& regarding, kube::EventType type, std::string reason, std::string note,
                          std::string action) {
    auto decided = recorder_.record(reference_to(regarding), type, reason, note, action);
    log_.info("event", {{"regarding", reference_to(regarding).name}, {"reason", reason}, {"note", note}});
    enqueue(std::move(decided));
}

void ApiEventSink::record_once(const kube::Json& regarding, kube::EventType type, std::string reason, std::string note,
                               std::string action, std::string name) {
    auto decided = recorder_.record_once(reference_to(regarding), type, reason, note, action, name);
    // Re-records of an Event already written are routine (every reconcile
    // that reads the occurrence back): only the first is logged.
    if (decided.kind == kube::EventAction::Kind::Drop) return;
    log_.info("event", {{"regarding", reference_to(regarding).name}, {"reason", reason}, {"note", note},
                        {"event", decided.name}});
    enqueue(std::move(decided));
}

void ApiEventSink::enqueue(kube::EventAction decided) {
    if (decided.kind == kube::EventAction::Kind::Drop) return;
    if (pending_.size() >= max_pending) {
        log_.debug("event queue full; oldest event dropped", {{"event", pending_.front().ns + "/" + pending_.front().name}});
        recorder_.forget(pending_.front().ns, pending_.front().name);
        pending_.pop_front();
    }
    pending_.push_back(std::move(decided));
    if (senders_ >= max_senders) return;
    ++senders_;
    boost::asio::co_spawn(executor_, drain(), boost::asio::detached);
}

boost::asio::awaitable<void> ApiEventSink::drain() {
    while (!pending_.empty()) {
        kube::EventAction action = std::move(pending_.front());
        pending_.pop_front();
        const std::string ns = action.ns;
        const std::string name = action.name;
        const std::optional<kube::ApiError> error = co_await send_event(client_, std::move(action));
        if (!error) continue;
        // AlreadyExists: a named Event written before (by an earlier process):
        // recorded. Any other failure: forgotten, so the next record writes it.
        if (error->reason == kube::ErrorReason::AlreadyExists) {
            log_.debug("event already recorded", {{"event", ns + "/" + name}});
            continue;
        }
        recorder_.forget(ns, name);
        log_.debug("event not written", {{"event", ns + "/" + name}, {"error", error->describe()}});
    }
    --senders_;
}

} // namespace labfleet::manager
