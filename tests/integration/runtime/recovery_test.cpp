// The informer's recovery against the real control plane: a kube-apiserver
// killed and restarted mid-watch, and a watch resumed from a resourceVersion
// that etcd compaction has removed (410 → relist dropping missed deletes).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "integration/runtime/cluster.hpp"
#include "integration/runtime/harness.hpp"
#include "integration/runtime/pausable_client.hpp"
#include "kube/client/rest.hpp"
#include "support/run_coroutine.hpp"

using namespace labfleet;
using namespace labfleet::testing;
using namespace std::chrono_literals;

namespace {

const kube::ResourceType config_maps = kube::resources::config_maps();

/// Built outside the coroutines: GCC 12 miscompiles braced JSON literals inside them.
kube::Json data_patch(const std::string& value) { return {{"data", {{"value", value}}}}; }

/// Creates a ConfigMap, retrying through an API server outage; a retry that
/// finds it already there (the first attempt landed) counts as done.
asio::awaitable<void> create_retrying(kube::Client& client, std::string ns, std::string name, std::string value) {
    for (int attempt = 0; attempt < 300; ++attempt) {
        auto created = co_await kube::rest::create(client, config_maps, ns, config_map(ns, name, value));
        if (created || created.error().reason == kube::ErrorReason::AlreadyExists) co_return;
        co_await sleep_for(200ms);
    }
    FAIL("could not create " << name);
}

asio::awaitable<void> update_retrying(kube::Client& client, std::string ns, std::string name, std::string value) {
    for (int attempt = 0; attempt < 300; ++attempt) {
        const kube::ObjectKey key{ns, name};  // named: GCC 12 double-frees braced temporaries passed to coroutines
        auto patched = co_await kube::rest::patch(client, config_maps, key, kube::PatchType::Merge,
                                                  data_patch(value));
        if (patched) co_return;
        co_await sleep_for(200ms);
    }
    FAIL("could not update " << name);
}

asio::awaitable<void> delete_retrying(kube::Client& client, std::string ns, std::string name) {
    for (int attempt = 0; attempt < 300; ++attempt) {
        const kube::ObjectKey key{ns, name};
        const kube::DeleteOptions no_preconditions;  // named: a defaulted argument would be a temporary
        auto removed = co_await kube::rest::remove(client, config_maps, key, no_preconditions);
        if (removed || removed.error().reason == kube::ErrorReason::NotFound) co_return;
        co_await sleep_for(200ms);
    }
    FAIL("could not delete " << name);
}

/// Waits until the cache holds exactly what a fresh list returns (names and resourceVersions).
asio::awaitable<bool> converges(kube::Client& client, const kube::Store& store, std::string ns,
                                std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        auto fresh = co_await fresh_snapshot(client, config_maps, ns, test_selector);
        const auto cached = snapshot(store);
        if (store.synced() && cached == fresh) co_return true;
        if (std::chrono::steady_clock::now() >= deadline) {
            UNSCOPED_INFO("cache " << cached.size() << " objects, server " << fresh.size());
            co_return false;
        }
        co_await sleep_for(200ms);
    }
}

/// Writes before, during and after a kube-apiserver restart; returns the names that should exist.
asio::awaitable<std::set<std::string>> write_through_restart(kube::Client& client, kube::Informer& informer,
                                                             std::string ns) {
    std::set<std::string> expected;
    for (int i = 0; i < 20; ++i) {
        co_await create_retrying(client, ns, "before-" + std::to_string(i), "0");
        expected.insert("before-" + std::to_string(i));
    }
    REQUIRE(co_await wait_until([&] { return informer.store().size() == 20; }, 30s));

    BackgroundShell restart(std::string(LABFLEET_SOURCE_DIR) + "/hack/local-cluster.sh restart-apiserver --dir " +
                            cluster_dir());
    int i = 0;
    int after_restart = 0;
    while (!restart.done() || after_restart < 15) {
        const std::string name = "during-" + std::to_string(i);
        co_await create_retrying(client, ns, name, "0");
        expected.insert(name);
        if (const std::string target = "before-" + std::to_string(i % 20); i % 3 == 1 && expected.contains(target))
            co_await update_retrying(client, ns, target, std::to_string(i));
        if (i % 3 == 2) {
            const std::string victim = i % 2 == 0 ? "before-" + std::to_string(i % 20) : "during-" + std::to_string(i - 1);
            co_await delete_retrying(client, ns, victim);
            expected.erase(victim);
        }
        ++i;
        if (restart.done()) ++after_restart;
        co_await sleep_for(100ms);
    }
    INFO(restart.result().output);
    REQUIRE(restart.result().exit_code == 0);
    co_return expected;
}

/// Cuts the informer off, makes changes (deletes among them), compacts etcd,
/// restarts the API server (which drops its watch cache, the one thing that
/// could still serve the old resourceVersion) and lets the informer resume.
asio::awaitable<std::string> miss_changes_then_resume(kube::Client& direct, PausableClient& gate,
                                                      kube::Informer& informer, std::string ns) {
    for (int i = 0; i < 5; ++i) {
        co_await create_retrying(direct, ns, "keep-" + std::to_string(i), "0");
        co_await create_retrying(direct, ns, "gone-" + std::to_string(i), "0");
    }
    REQUIRE(co_await wait_until([&] { return informer.store().size() == 10 && informer.status().watching; }, 30s));
    const std::string old_rv = informer.store().resource_version();

    gate.pause();
    co_await create_retrying(direct, ns, "pause-marker", "0");  // wakes the watch, which is then cut
    REQUIRE(co_await wait_until([&] { return gate.holding(); }, 30s));
    CHECK(informer.store().resource_version() == old_rv);

    for (int i = 0; i < 5; ++i) co_await delete_retrying(direct, ns, "gone-" + std::to_string(i));
    co_await delete_retrying(direct, ns, "pause-marker");
    co_await update_retrying(direct, ns, "keep-0", "changed");
    co_await create_retrying(direct, ns, "new-0", "0");

    const auto compacted = cluster_script("compact");
    INFO(compacted.output);
    REQUIRE(compacted.exit_code == 0);
    BackgroundShell restart(std::string(LABFLEET_SOURCE_DIR) + "/hack/local-cluster.sh restart-apiserver --dir " +
                            cluster_dir());
    REQUIRE(co_await wait_until([&] { return restart.done(); }, 120s));
    INFO(restart.result().output);
    REQUIRE(restart.result().exit_code == 0);

    gate.resume();
    CHECK(co_await converges(direct, informer.store(), ns, 60s));
    co_return old_rv;
}

} // namespace

TEST_CASE("a kube-apiserver restart mid-watch loses no event", "[integration][recovery]") {
    Harness h;
    const std::string ns = unique_name("rt-restart");
    run_coroutine(h.io, ensure_namespace(h.client, ns), 30s);
    PausableClient recorder(h.client);  // never paused: records what the informer saw
    kube::WatchLoopOptions options;
    options.ns = ns;
    options.label_selector = test_selector;
    kube::Informer informer(recorder, h.clock, config_maps, options);
    ChangeLog log;
    log.attach(informer.store());
    informer.start(h.io.get_executor());

    const auto expected = run_coroutine(h.io, write_through_restart(h.client, informer, ns), 240s);
    CHECK(run_coroutine(h.io, converges(h.client, informer.store(), ns, 90s), 100s));

    std::set<std::string> cached;
    for (const auto& [name, rv] : snapshot(informer.store())) cached.insert(name);
    CHECK(cached == expected);
    // Every object the handlers heard of and that is gone now was announced as deleted.
    for (const auto& change : log.seen) {
        if (!change.starts_with("add ")) continue;
        const std::string name = change.substr(4);
        if (!expected.contains(name)) CHECK(log.contains("delete " + name));
    }
    // The watch really broke: the restart was seen as failures, and the loop recovered.
    CHECK_FALSE(recorder.failures().empty());
    CHECK(informer.alive());
    h.stop(informer);
}

TEST_CASE("a watch resumed after etcd compaction relists and drops objects deleted meanwhile",
          "[integration][recovery]") {
    Harness h;
    const std::string ns = unique_name("rt-compact");
    run_coroutine(h.io, ensure_namespace(h.client, ns), 30s);
    PausableClient gate(h.client);
    kube::WatchLoopOptions options;
    options.ns = ns;
    options.label_selector = test_selector;
    options.backoff.initial = 100ms;
    options.backoff.max = 1s;
    kube::Informer informer(gate, h.clock, config_maps, options);
    ChangeLog log;
    log.attach(informer.store());
    informer.start(h.io.get_executor());

    const std::string old_rv = run_coroutine(h.io, miss_changes_then_resume(h.client, gate, informer, ns), 240s);

    const auto& store = informer.store();
    CHECK(store.size() == 6);
    for (int i = 0; i < 5; ++i) {
        const std::string name = "gone-" + std::to_string(i);
        CHECK_FALSE(store.get({ns, name}));
        CHECK(std::count(log.relist_deletes.begin(), log.relist_deletes.end(), name) == 1);
    }
    CHECK_FALSE(log.contains("add pause-marker"));  // created and deleted while cut off
    CHECK(log.contains("update keep-0"));
    CHECK(log.contains("add new-0"));
    REQUIRE(store.get({ns, "keep-0"}));
    CHECK((*store.get({ns, "keep-0"}))["data"]["value"] == "changed");

    // The resume asked for the old resourceVersion, got 410 Gone, and relisted with a consistent read.
    const auto& requests = gate.requests();
    const auto resumed = std::find_if(requests.begin(), requests.end(), [&](const std::string& r) {
        return r.find("watch=1") != std::string::npos && r.find("resourceVersion=" + old_rv + "&") != std::string::npos;
    });
    REQUIRE(resumed != requests.end());
    CHECK(std::find(gate.failures().begin(), gate.failures().end(), "Gone") != gate.failures().end());
    const auto relist = std::find_if(resumed, requests.end(), [](const std::string& r) {
        return r.find("watch=1") == std::string::npos && r.find("resourceVersion=") == std::string::npos;
    });
    CHECK(relist != requests.end());
    h.stop(informer);
}
