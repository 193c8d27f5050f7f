#pragma once
// Resource quantities ("500m", "1.5Gi", "2", "1e3") as Kubernetes reads a
// container's resources (resource.Quantity, then the pod defaults' rounding
// up to a milli-unit), together with the text the API server writes back for
// each: a child's resources must be rendered in that text, or the live object
// would never look as desired and every reconcile would apply it again.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "kube/client/result.hpp"

namespace labfleet::api::v1alpha1 {

struct Quantity {
    /// As the API server stores it in a container's resources: the input
    /// itself when the server keeps it ("500m", "100Mi", "1.500"), otherwise
    /// the server's canonical form ("1.5" -> "1500m", "1024Mi" -> "1Gi",
    /// "0.5Gi" -> "512Mi", "0.1m" -> "1m").
    std::string text;
    /// The value, units + nanos * 10^-9, rounded up to a whole milli-unit as
    /// the server rounds; units at most 2^63 - 1.
    std::uint64_t units = 0;
    std::uint32_t nanos = 0;  // a multiple of 1'000'000 below 10^9

    friend bool operator==(const Quantity&, const Quantity&) = default;
    /// Orders by value only: "1" and "1000m" are equivalent.
    friend std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) {
        if (auto order = a.units <=> b.units; order != 0) return order;
        return a.nanos <=> b.nanos;
    }
};

/// Reads `^([0-9]+(\.[0-9]{0,9})?|\.[0-9]{1,9})([numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]{1,3})?$`
/// (the CRDs' pattern: Kubernetes' quantity syntax without a sign, with at
/// most nine fraction digits) up to 2^63 - 1 units; a larger binary-SI value
/// ("8Ei") is capped there, as the API server caps it. Errors are Decode errors
/// with no field; callers add it.
kube::Result<Quantity> parse_quantity(std::string_view text);

} // namespace labfleet::api::v1alpha1
