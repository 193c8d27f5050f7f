#include "controllers/status/status_writer.hpp"

#include "api/v1alpha1/group_version.hpp"
#include "controllers/status/health.hpp"
#include "controllers/status/status_patch.hpp"
#include "kube/cache/store.hpp"
#include "kube/client/rest.hpp"

// GCC 12 reports asio's awaitable frame allocation (unsized new, sized
// delete) as mismatched after inlining: a false positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace labfleet::controllers {

namespace {
/// A lease's status is only ever replaced (update), as the grant's writes are,
/// and the chart grants no other verb on it.
bool replaced(const kube::ResourceType& type) { return type == api::v1alpha1::environment_leases(); }
} // namespace

boost::asio::awaitable<kube::ReconcileResult> write_status(Context ctx, StatusWrite write) {
    if (!write.changed) co_return kube::ReconcileResult::done();
    const kube::ObjectKey key = kube::rest::key_of(*write.object);
    const std::string resource_version(kube::resource_version_of(*write.object));
    kube::Json patch = status_merge_patch(resource_version, std::move(write.status));
    kube::Result<kube::Json> written = kube::ApiError{};
    if (replaced(write.type)) {
        // The cached object with the patch applied: the same status, and the
        // same Conflict on a stale resourceVersion, as the merge patch.
        kube::Json body = *write.object;
        body["apiVersion"] = write.type.api_version();
        body["kind"] = write.type.kind;
        body.merge_patch(patch);
        written = co_await kube::rest::replace_status(ctx.client, write.type, std::move(body));
    } else {
        written = co_await kube::rest::patch_status(ctx.client, write.type, key, kube::PatchType::Merge,
                                                    std::move(patch));
    }
    if (!written.ok()) {
        const kube::ApiError& error = written.error();
        if (error.reason == kube::ErrorReason::Conflict || error.reason == kube::ErrorReason::NotFound)
            co_return kube::ReconcileResult::requeue("status of " + key.str() + ": stale cache");
        co_return kube::ReconcileResult::failed("write status of " + key.str() + ": " + error.describe());
    }
    if (const auto event = stalled_event(write.before, write.after))
        ctx.events.record(event_regarding(*write.object, api::v1alpha1::api_version, write.type.kind),
                          kube::EventType::Warning, event->reason, event->note, event->action);
    co_return kube::ReconcileResult::done();
}

} // namespace labfleet::controllers
