#pragma once
// The body of the four kind-decoder fuzz targets: bytes → JSON → Kind.
//
// Checked beyond "no crash": from_json never throws (an exception escaping
// aborts the run), and a decoded object's status, written with to_json and
// decoded again, encodes to the same JSON: what the reconcilers write is what
// they read back (timestamps keep whole seconds only, as metav1.Time does,
// so the decoded values themselves may differ on the first trip).

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "api/v1alpha1/field_error.hpp"
#include "kube/json/json.hpp"

namespace labfleet::fuzz {

template <class Kind>
int fuzz_decode(const std::uint8_t* data, std::size_t size) {
    using namespace labfleet::api::v1alpha1;
    const kube::Json json = kube::Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return -1;  // not JSON: the API server never sends it; keep it out of the corpus

    auto decoded = Kind::from_json(json);
    if (!decoded) {
        (void)field_error_of(decoded.error());
        return 0;
    }
    (void)join(validate(*decoded));

    kube::Json patched = json;
    patched["status"] = to_json(decoded->status);
    auto again = Kind::from_json(patched);
    if (!again || to_json(again->status) != patched["status"]) std::abort();  // status does not round-trip
    return 0;
}

} // namespace labfleet::fuzz
