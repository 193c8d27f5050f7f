// A watch (Informer) against the real kube-apiserver sees creates, updates
// and deletes of ConfigMaps and of a labfleet custom resource.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "integration/runtime/cluster.hpp"
#include "integration/runtime/harness.hpp"
#include "kube/client/rest.hpp"
#include "support/run_coroutine.hpp"

using namespace labfleet;
using namespace labfleet::testing;
using namespace std::chrono_literals;

namespace {

kube::ResourceType deployment_targets() {
    return {"labfleet.dev", "v1alpha1", "DeploymentTarget", "deploymenttargets", false};
}

// Built outside the coroutines: GCC 12 miscompiles braced JSON literals inside them.
kube::Json value_patch(const std::string& value) { return {{"data", {{"value", value}}}}; }
kube::Json paused_patch() { return {{"spec", {{"paused", true}}}}; }
kube::Json target_object(const std::string& name) {
    return {{"apiVersion", "labfleet.dev/v1alpha1"},
            {"kind", "DeploymentTarget"},
            {"metadata", {{"name", name}, {"labels", {{"labfleet.dev/test", name}}}}},
            {"spec", {{"environment", name}, {"namespace", name}, {"registry", "registry.example.com/team"}}}};
}

/// Creates, updates and deletes one ConfigMap, waiting after each step until the informer heard it.
asio::awaitable<bool> config_map_lifecycle(kube::Client& client, kube::Informer& informer, ChangeLog& log,
                                           std::string ns) {
    const auto type = kube::resources::config_maps();
    if (!co_await wait_until([&] { return informer.synced(); }, 30s)) co_return false;
    auto created = co_await kube::rest::create(client, type, ns, config_map(ns, "one", "1"));
    REQUIRE(created);
    CHECK(co_await wait_until([&] { return log.contains("add one"); }, 10s));

    const kube::ObjectKey key{ns, "one"};  // named: GCC 12 double-frees braced temporaries passed to coroutines
    auto patched = co_await kube::rest::patch(client, type, key, kube::PatchType::Merge,
                                              value_patch("2"));
    REQUIRE(patched);
    CHECK(co_await wait_until([&] { return log.contains("update one"); }, 10s));
    auto cached = informer.store().get(key);
    REQUIRE(cached);
    CHECK((*cached)["data"]["value"] == "2");
    CHECK(kube::resource_version_of(*cached) == kube::resource_version_of(*patched));
    CHECK_FALSE((*cached)["metadata"].contains("managedFields"));

    const kube::DeleteOptions no_preconditions;  // named: a defaulted argument would be a temporary
    auto removed = co_await kube::rest::remove(client, type, key, no_preconditions);
    REQUIRE(removed);
    CHECK(co_await wait_until([&] { return log.contains("delete one"); }, 10s));
    co_return true;
}

asio::awaitable<bool> target_lifecycle(kube::Client& client, kube::Informer& informer, ChangeLog& log,
                                       std::string name) {
    const auto type = deployment_targets();
    if (!co_await wait_until([&] { return informer.synced(); }, 30s)) co_return false;
    auto created = co_await kube::rest::create(client, type, "", target_object(name));
    REQUIRE(created);
    CHECK(co_await wait_until([&] { return log.contains("add " + name); }, 10s));
    auto cached = informer.store().get({"", name});
    REQUIRE(cached);
    CHECK((*cached)["spec"]["channel"] == "prod");  // the CRD's default, as stored

    const kube::ObjectKey key{"", name};  // named: GCC 12 double-frees braced temporaries passed to coroutines
    auto patched = co_await kube::rest::patch(client, type, key, kube::PatchType::Merge,
                                              paused_patch());
    REQUIRE(patched);
    CHECK(co_await wait_until([&] { return log.contains("update " + name); }, 10s));
    cached = informer.store().get({"", name});
    REQUIRE(cached);
    CHECK((*cached)["spec"]["paused"] == true);

    const kube::DeleteOptions no_preconditions;  // named: a defaulted argument would be a temporary
    auto removed = co_await kube::rest::remove(client, type, key, no_preconditions);
    REQUIRE(removed);
    CHECK(co_await wait_until([&] { return log.contains("delete " + name); }, 10s));
    co_return true;
}

} // namespace

TEST_CASE("an informer sees ConfigMaps created, updated and deleted", "[integration][watch]") {
    Harness h;
    const std::string ns = unique_name("rt-watch");
    run_coroutine(h.io, ensure_namespace(h.client, ns), 30s);
    kube::WatchLoopOptions options;
    options.ns = ns;
    options.label_selector = test_selector;
    kube::Informer informer(h.client, h.clock, kube::resources::config_maps(), options);
    ChangeLog log;
    log.attach(informer.store());
    informer.start(h.io.get_executor());

    CHECK(run_coroutine(h.io, config_map_lifecycle(h.client, informer, log, ns), 60s));
    CHECK(log.seen == std::vector<std::string>{"add one", "update one", "delete one"});
    CHECK(informer.store().size() == 0);
    h.stop(informer);
    CHECK_FALSE(informer.running());
}

TEST_CASE("an informer sees a labfleet custom resource created, updated and deleted", "[integration][watch]") {
    const auto applied = run_shell("kubectl apply -f " + std::string(LABFLEET_SOURCE_DIR) +
                                   "/crds/ && kubectl wait --for condition=established --timeout=60s -f " +
                                   std::string(LABFLEET_SOURCE_DIR) + "/crds/");
    INFO(applied.output);
    REQUIRE(applied.exit_code == 0);

    Harness h;
    const std::string name = unique_name("rt-target");
    kube::WatchLoopOptions options;
    options.label_selector = "labfleet.dev/test=" + name;
    kube::Informer informer(h.client, h.clock, deployment_targets(), options);
    ChangeLog log;
    log.attach(informer.store());
    informer.start(h.io.get_executor());

    CHECK(run_coroutine(h.io, target_lifecycle(h.client, informer, log, name), 60s));
    CHECK(log.seen == std::vector<std::string>{"add " + name, "update " + name, "delete " + name});
    CHECK(informer.store().size() == 0);
    h.stop(informer);
}

TEST_CASE("a streaming list syncs what exists, then the watch goes on", "[integration][watch]") {
    Harness h;
    const std::string ns = unique_name("rt-stream");
    run_coroutine(h.io, ensure_namespace(h.client, ns), 30s);
    const auto type = kube::resources::config_maps();
    for (const char* name : {"pre-a", "pre-b", "pre-c"}) {
        const kube::Json object = config_map(ns, name, "0");  // named: see config_map_lifecycle
        auto created = run_coroutine(h.io, kube::rest::create(h.client, type, ns, object), 30s);
        REQUIRE(created);
    }
    kube::WatchLoopOptions options;
    options.ns = ns;
    options.label_selector = test_selector;
    options.streaming_list = true;
    kube::Informer informer(h.client, h.clock, type, options);
    ChangeLog log;
    log.attach(informer.store());
    informer.start(h.io.get_executor());

    CHECK(run_coroutine(h.io, config_map_lifecycle(h.client, informer, log, ns), 60s));
    CHECK(log.seen == std::vector<std::string>{"add pre-a", "add pre-b", "add pre-c", "add one", "update one",
                                               "delete one"});
    CHECK(informer.store().size() == 3);
    // The server took the streaming list: a refusal (then a paged list) would have left its error.
    CHECK_FALSE(informer.status().last_error);
    h.stop(informer);
}
