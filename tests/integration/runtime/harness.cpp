#include "integration/runtime/harness.hpp"

#include <algorithm>

#include "integration/runtime/cluster.hpp"

namespace labfleet::testing {

kube::ClusterConfig Harness::cluster_config_or_throw() { return cluster_config(); }

void Harness::stop(kube::Informer& informer) {
    informer.stop();
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (informer.running() && std::chrono::steady_clock::now() < deadline)
        io.run_one_for(std::chrono::milliseconds{100});
}

void ChangeLog::attach(kube::Store& store) {
    auto name = [](const kube::ObjectPtr& o) { return (*o)["metadata"]["name"].get<std::string>(); };
    store.add_handlers({
        [this, name](const kube::ObjectPtr& o) { seen.push_back("add " + name(o)); },
        [this, name](const kube::ObjectPtr&, const kube::ObjectPtr& o) { seen.push_back("update " + name(o)); },
        [this, name, &store](const kube::ObjectPtr& o) {
            seen.push_back("delete " + name(o));
            if (store.relisting()) relist_deletes.push_back(name(o));
        },
    });
}

bool ChangeLog::contains(const std::string& change) const {
    return std::find(seen.begin(), seen.end(), change) != seen.end();
}

} // namespace labfleet::testing
