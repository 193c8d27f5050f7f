// Write semantics against the real kube-apiserver: optimistic concurrency
// (a stale resourceVersion is a Conflict) and server-side apply idempotence.
#include <catch2/catch.hpp>

#include <string>

#include "integration/runtime/cluster.hpp"
#include "integration/runtime/harness.hpp"
#include "kube/client/rest.hpp"
#include "support/run_coroutine.hpp"

using namespace labfleet;
using namespace labfleet::testing;
using namespace std::chrono_literals;

namespace {

const kube::ResourceType config_maps = kube::resources::config_maps();

asio::awaitable<bool> stale_writes_conflict(kube::Client& client, std::string ns) {
    co_await ensure_namespace(client, ns);
    auto created = co_await kube::rest::create(client, config_maps, ns, config_map(ns, "stale", "1"));
    REQUIRE(created);
    kube::Json first = *created;
    first["data"]["value"] = "2";
    auto updated = co_await kube::rest::replace(client, config_maps, first);
    REQUIRE(updated);
    CHECK(kube::resource_version_of(*updated) != kube::resource_version_of(*created));

    kube::Json stale = *created;  // still carries the first resourceVersion
    stale["data"]["value"] = "3";
    auto conflict = co_await kube::rest::replace(client, config_maps, stale);
    REQUIRE_FALSE(conflict);
    CHECK(conflict.error().reason == kube::ErrorReason::Conflict);
    CHECK(conflict.error().http_status == 409);
    CHECK_FALSE(conflict.error().retryable());
    INFO(conflict.error().describe());
    CHECK(conflict.error().describe().find("Conflict (409)") == 0);

    kube::DeleteOptions precondition;
    precondition.precondition_resource_version = std::string(kube::resource_version_of(*created));
    const kube::ObjectKey key{ns, "stale"};  // named: GCC 12 double-frees braced temporaries passed to coroutines
    auto refused = co_await kube::rest::remove(client, config_maps, key, precondition);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().reason == kube::ErrorReason::Conflict);

    auto current = co_await kube::rest::get(client, config_maps, key);
    REQUIRE(current);
    CHECK((*current)["data"]["value"] == "2");
    co_return true;
}

asio::awaitable<bool> apply_twice(kube::Client& client, std::string ns) {
    co_await ensure_namespace(client, ns);
    const kube::Json desired = config_map(ns, "applied", "1");
    const kube::ApplyOptions apply_options;  // named: a defaulted argument would be a temporary (GCC 12)
    auto first = co_await kube::rest::apply(client, config_maps, desired, apply_options);
    REQUIRE(first);
    auto second = co_await kube::rest::apply(client, config_maps, desired, apply_options);
    REQUIRE(second);
    CHECK(kube::resource_version_of(*second) == kube::resource_version_of(*first));
    CHECK((*second)["metadata"]["managedFields"][0]["manager"] == "labfleet");

    kube::Json changed = desired;
    changed["data"]["value"] = "2";
    auto third = co_await kube::rest::apply(client, config_maps, changed, apply_options);
    REQUIRE(third);
    CHECK(kube::resource_version_of(*third) != kube::resource_version_of(*first));
    CHECK((*third)["data"]["value"] == "2");
    co_return true;
}

} // namespace

TEST_CASE("an update with a stale resourceVersion is a Conflict", "[integration][writes]") {
    Harness h;
    CHECK(run_coroutine(h.io, stale_writes_conflict(h.client, unique_name("rt-writes")), 30s));
}

TEST_CASE("server-side apply of identical content leaves the resourceVersion alone", "[integration][writes]") {
    Harness h;
    CHECK(run_coroutine(h.io, apply_twice(h.client, unique_name("rt-apply")), 30s));
}
