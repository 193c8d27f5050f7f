#pragma once
// Context: what every Labfleet reconciler gets from the manager — the caches
// it reads (never the API server), the client it writes through (leader-gated
// and dry-run aware), the clock, the event sink and the domain metrics.

#include "kube/client/client.hpp"
#include "kube/util/clock.hpp"
#include "kube/events/event_sink.hpp"
#include "kube/util/logger.hpp"
#include "kube/cache/store.hpp"

namespace labfleet::controllers {

class DomainMetrics;

/// The informer caches, one per kind. Children (ConfigMaps, Deployments,
/// Services) are cached only when labelled app.kubernetes.io/managed-by=labfleet.
/// Making a Caches adds the indexes the controllers read: leases by target
/// (lease_target_index), children by their workload and target labels (each
/// index named after its label: workload_label, target_label).
struct Caches {
    Caches(kube::Store& workloads, kube::Store& targets, kube::Store& policies, kube::Store& leases,
           kube::Store& config_maps, kube::Store& deployments, kube::Store& services);

    kube::Store& workloads;
    kube::Store& targets;
    kube::Store& policies;
    kube::Store& leases;
    kube::Store& config_maps;
    kube::Store& deployments;
    kube::Store& services;
};

struct Context {
    kube::Client& client;
    const kube::Clock& clock;
    Caches caches;
    kube::EventSink& events;
    DomainMetrics* metrics = nullptr;  // null in tests that don't look at them
};

} // namespace labfleet::controllers
