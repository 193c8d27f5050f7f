#pragma once
// Harness: one io_context, a client to the fixture's cluster (the HTTPS
// transport under the retry layer, as in the manager) and helpers to

// run a test scenario on them and to stop informers cleanly.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "kube/util/clock.hpp"
#include "kube/cache/informer.hpp"
#include "kube/client/retrying_client.hpp"
#include "kube/net/https_client.hpp"

namespace labfleet::testing {

struct Harness {
    boost::asio::io_context io;
    kube::SystemClock clock;
    kube::net::HttpsClient transport{cluster_config_or_throw(), io.get_executor()};
    kube::RetryingClient client{transport, {}, [this] { return transport.reload_credentials(); }};


    /// Stops `informer` and runs the io_context until its loop has finished.
    void stop(kube::Informer& informer);

private:
    static kube::ClusterConfig cluster_config_or_throw();
};

/// Hears a store's changes as "add NAME" / "update NAME" / "delete NAME",
/// and which deletes came from a relist swap.
struct ChangeLog {
    std::vector<std::string> seen;
    std::vector<std::string> relist_deletes;

    void attach(kube::Store& store);
    bool contains(const std::string& change) const;
};

} // namespace labfleet::testing
