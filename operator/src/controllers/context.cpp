#include "controllers/context.hpp"

#include "controllers/fleet_view.hpp"

namespace labfleet::controllers {

Caches::Caches(kube::Store& workloads, kube::Store& targets, kube::Store& policies, kube::Store& leases,
               kube::Store& config_maps, kube::Store& deployments, kube::Store& services)
    : workloads(workloads), targets(targets), policies(policies), leases(leases), config_maps(config_maps),
      deployments(deployments), services(services) {
    leases.add_index(lease_target_index, lease_target_of);
}

} // namespace labfleet::controllers
