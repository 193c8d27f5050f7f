#include "controllers/context.hpp"

#include "controllers/desired_objects.hpp"
#include "controllers/fleet_view.hpp"

namespace labfleet::controllers {

Caches::Caches(kube::Store& workloads, kube::Store& targets, kube::Store& policies, kube::Store& leases,
               kube::Store& config_maps, kube::Store& deployments, kube::Store& services)
    : workloads(workloads), targets(targets), policies(policies), leases(leases), config_maps(config_maps),
      deployments(deployments), services(services) {
    leases.add_index(lease_target_index, lease_target_of);
    for (kube::Store* children : {&config_maps, &deployments, &services}) {
        children->add_index(workload_label, kube::index_by_label(workload_label));
        children->add_index(target_label, kube::index_by_label(target_label));
    }
}

} // namespace labfleet::controllers
