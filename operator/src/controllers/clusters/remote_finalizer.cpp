#include "controllers/clusters/remote_finalizer.hpp"

#include "kube/client/rest.hpp"
#include "kube/json/json_fields.hpp"

// GCC 12 reports asio's awaitable frame allocation (unsized new, sized
// delete) as mismatched after inlining: a false positive (GCC PR 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace labfleet::controllers {

namespace {
const kube::Json::json_pointer finalizers_pointer("/metadata/finalizers");
}

bool has_remote_finalizer(const kube::Json& object) {
    if (!object.contains(finalizers_pointer) || !object.at(finalizers_pointer).is_array()) return false;
    for (const auto& finalizer : object.at(finalizers_pointer))
        if (finalizer == remote_objects_finalizer) return true;
    return false;
}

boost::asio::awaitable<kube::ReconcileResult> write_remote_finalizer(Context& ctx, kube::ResourceType type,
                                                                     kube::Json object, bool with) {
    kube::Json finalizers = kube::Json::array();
    if (object.contains(finalizers_pointer) && object.at(finalizers_pointer).is_array())
        for (const auto& finalizer : object.at(finalizers_pointer))
            if (finalizer != remote_objects_finalizer) finalizers.push_back(finalizer);
    if (with) finalizers.push_back(remote_objects_finalizer);
    const kube::Json patch = {
        {"metadata", {{"finalizers", std::move(finalizers)},
                      {"resourceVersion", kube::string_at(object, "/metadata/resourceVersion")}}}};
    const kube::ObjectKey key{"", kube::string_at(object, "/metadata/name")};
    auto written = co_await kube::rest::patch(ctx.client, type, key, kube::PatchType::Merge, patch);
    if (written.ok() || written.error().reason == kube::ErrorReason::NotFound) co_return kube::ReconcileResult::done();
    if (written.error().reason == kube::ErrorReason::Conflict)
        co_return kube::ReconcileResult::requeue("finalizers: " + written.error().describe());
    co_return kube::ReconcileResult::failed("write finalizers: " + written.error().describe());
}

std::optional<std::chrono::milliseconds> remote_grace_left(const Context& ctx, kube::WallTime deleted) {
    const kube::WallTime deadline = deleted + ctx.remote_cleanup_grace;
    const kube::WallTime now = ctx.clock.now();
    if (now >= deadline) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
}

} // namespace labfleet::controllers
