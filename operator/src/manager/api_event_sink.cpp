#include "manager/api_event_sink.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "kube/json/json_fields.hpp"
#include "kube/client/rest.hpp"

namespace labfleet::manager {

namespace {

boost::asio::awaitable<void> send_event(kube::Client& client, kube::EventAction action, kube::Logger log) {
    const auto events = kube::resources::events();
    bool ok = true;
    std::string error;
    if (action.kind == kube::EventAction::Kind::Create) {
        auto created = co_await kube::rest::create(client, events, action.ns, std::move(action.body));
        if (!created) ok = false, error = created.error().describe();
    } else {
        // Named, not braced: GCC 12 destroys a braced temporary coroutine argument twice.
        kube::ObjectKey key{action.ns, action.name};
        auto patched = co_await kube::rest::patch(client, events, key, kube::PatchType::Merge, std::move(action.body));
        if (!patched) ok = false, error = patched.error().describe();
    }
    if (!ok) log.debug("event not written", {{"event", action.ns + "/" + action.name}, {"error", error}});
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
    if (decided.kind == kube::EventAction::Kind::Drop) return;
    if (pending_.size() >= max_pending) {
        log_.debug("event queue full; oldest event dropped", {{"event", pending_.front().ns + "/" + pending_.front().name}});
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
        co_await send_event(client_, std::move(action), log_);
    }
    --senders_;
}

} // namespace labfleet::manager
