#include "controllers/lease/environment_lease_order.hpp"

namespace labfleet::controllers {

bool lease_queue_before(const api::v1alpha1::EnvironmentLease& a, const api::v1alpha1::EnvironmentLease& b) {
    const auto& x = a.metadata.creation_timestamp;
    const auto& y = b.metadata.creation_timestamp;
    if (x != y) {
        if (!x) return false;
        if (!y) return true;
        return *x < *y;
    }
    return a.metadata.name < b.metadata.name;
}

bool lease_holds_before(const api::v1alpha1::EnvironmentLease& a, const api::v1alpha1::EnvironmentLease& b) {
    const auto& x = a.status.acquired_at;
    const auto& y = b.status.acquired_at;
    if (x != y) {
        if (!x) return false;
        if (!y) return true;
        return *x < *y;
    }
    return lease_queue_before(a, b);
}

const api::v1alpha1::EnvironmentLease* active_lease_of(const std::vector<api::v1alpha1::EnvironmentLease>& leases,
                                                       std::string_view target) {
    const api::v1alpha1::EnvironmentLease* found = nullptr;
    for (const auto& lease : leases) {
        if (lease.status.phase != api::v1alpha1::LeasePhase::Active || lease.spec.target != target) continue;
        if (found == nullptr || lease_holds_before(lease, *found)) found = &lease;
    }
    return found;
}

} // namespace labfleet::controllers
