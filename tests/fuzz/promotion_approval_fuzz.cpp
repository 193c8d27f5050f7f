// Fuzzes what `kubectl labfleet promote` and `status` make of a Workload the
// API server returned: plan_approval (promotion_approval.hpp) and
// promotion_view (views.hpp), which read spec.promotion and status.promotion
// leniently. Checked beyond "no crash": neither throws; a patch never holds
// more approvals than the CRD allows and carries the resourceVersion read;
// the view is bounded and prints no control character but newlines.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "kube/json/json.hpp"
#include "kube/meta/time_format.hpp"
#include "plugin/promotion_approval.hpp"
#include "plugin/views.hpp"

namespace {

void check_view(const std::string& view) {
    if (view.size() > 16 * 1024) std::abort();  // bounded whatever the status holds
    for (const char c : view)
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace labfleet;
    const kube::Json json = kube::Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return -1;  // not JSON: the API server never sends it

    for (const char* environment : {"prod", "dev"}) {
        const auto plan = plugin::plan_approval(json, environment);
        if (const auto* patch = std::get_if<plugin::ApprovalPatch>(&plan)) {
            const auto& approvals = patch->patch.at("spec").at("promotion").at("approvals");
            if (!approvals.is_array() || approvals.size() > plugin::max_approvals) std::abort();
            if (!patch->patch.at("metadata").at("resourceVersion").is_string()) std::abort();
        }
    }
    const auto now = *kube::parse_rfc3339("2026-12-05T11:10:30Z");
    check_view(plugin::promotion_view(json, now, false));
    check_view(plugin::promotion_view(json, now, true));
    return 0;
}
