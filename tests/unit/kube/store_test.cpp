#include <catch2/catch.hpp>

#include <malloc.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "kube/cache/object_trim.hpp"
#include "kube/cache/store.hpp"

using namespace labfleet::kube;

namespace {

ObjectPtr object(const std::string& name, const std::string& rv, Json labels = Json::object()) {
    return std::make_shared<const Json>(Json{
        {"metadata", {{"name", name}, {"namespace", "n"}, {"resourceVersion", rv}, {"labels", std::move(labels)}}}});
}

std::vector<std::string> names(const std::vector<ObjectPtr>& objects) {
    std::vector<std::string> result;
    for (const auto& o : objects) result.push_back((*o)["metadata"]["name"].get<std::string>());
    return result;
}

/// Records every notification as "add a", "update a 1->2", "delete a".
struct Recorder {
    std::vector<std::string> seen;
    StoreHandlers handlers() {
        auto name = [](const ObjectPtr& o) { return (*o)["metadata"]["name"].get<std::string>(); };
        return {[this, name](const ObjectPtr& o) { seen.push_back("add " + name(o)); },
                [this, name](const ObjectPtr& a, const ObjectPtr& b) {
                    seen.push_back("update " + name(b) + " " + std::string(resource_version_of(*a)) + "->" +
                                   std::string(resource_version_of(*b)));
                },
                [this, name](const ObjectPtr& o) { seen.push_back("delete " + name(o)); }};
    }
};

void relist(Store& store, std::vector<ObjectPtr> objects, std::string rv) {
    store.init_begin();
    store.init_apply(std::move(objects));
    store.init_done(std::move(rv));
}

} // namespace

TEST_CASE("a store is synced only after the first swap, which shows nothing before it") {
    Store store;
    Recorder recorder;
    store.add_handlers(recorder.handlers());
    CHECK_FALSE(store.synced());
    store.init_begin();
    store.init_apply({object("a", "1"), object("b", "2")});
    CHECK(store.size() == 0);
    CHECK_FALSE(store.synced());
    CHECK(recorder.seen.empty());
    store.init_apply({object("c", "3")});
    store.init_done("10");
    CHECK(store.synced());
    CHECK(store.size() == 3);
    CHECK(store.resource_version() == "10");
    CHECK(names(store.list()) == std::vector<std::string>{"a", "b", "c"});
    CHECK(recorder.seen == std::vector<std::string>{"add a", "add b", "add c"});
    REQUIRE(store.get({"n", "b"}));
    CHECK(resource_version_of(*store.get({"n", "b"})) == "2");
    CHECK_FALSE(store.get({"n", "zz"}));
    CHECK_FALSE(store.get({"", "b"}));
}

TEST_CASE("a relist swap drops missed deletes, notifies them, and skips unchanged objects") {
    Store store;
    relist(store, {object("a", "1"), object("b", "2"), object("c", "3")}, "10");
    const ObjectPtr cached_a = store.get({"n", "a"});
    Recorder recorder;
    store.add_handlers(recorder.handlers());

    // While disconnected: b deleted, c modified, d created; a untouched.
    relist(store, {object("a", "1"), object("c", "7"), object("d", "8")}, "20");
    CHECK(names(store.list()) == std::vector<std::string>{"a", "c", "d"});
    CHECK_FALSE(store.get({"n", "b"}));
    CHECK(store.get({"n", "a"}) == cached_a);  // same snapshot kept
    CHECK(store.resource_version() == "20");
    CHECK(recorder.seen == std::vector<std::string>{"delete b", "update c 3->7", "add d"});
}

TEST_CASE("a relist begun again drops the half-buffered one") {
    Store store;
    relist(store, {object("a", "1")}, "10");
    store.init_begin();
    store.init_apply({object("stale", "5")});
    relist(store, {object("a", "1"), object("b", "11")}, "12");
    CHECK(names(store.list()) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("watch events add, update and delete with notifications and RV tracking") {
    Store store;
    relist(store, {}, "1");
    Recorder recorder;
    store.add_handlers(recorder.handlers());
    store.apply(object("a", "2"));
    store.apply(object("a", "3"));
    store.apply(object("a", "3"));  // resourceVersion-only or no change still notifies: controllers decide
    store.remove(object("a", "4"));
    store.remove(object("ghost", "5"));  // unknown: nothing to say
    store.bookmark("9");
    CHECK(store.size() == 0);
    CHECK(store.resource_version() == "9");
    CHECK(recorder.seen == std::vector<std::string>{"add a", "update a 2->3", "update a 3->3", "delete a"});
}

TEST_CASE("a label index follows adds, updates, deletes and swaps, packed or not") {
    const bool packed = GENERATE(false, true);
    INFO("packed " << packed);
    Store store({.packed = packed});
    store.add_index("env", index_by_label("env"));
    store.add_index("tier", index_by_label("tier"));
    relist(store, {object("a", "1", {{"env", "dev"}}), object("b", "2", {{"env", "prod"}, {"tier", "web"}})}, "5");
    CHECK(names(store.list_by_index("env", "dev")) == std::vector<std::string>{"a"});
    CHECK(names(store.list_by_index("tier", "web")) == std::vector<std::string>{"b"});

    store.apply(object("a", "6", {{"env", "prod"}}));
    CHECK(store.list_by_index("env", "dev").empty());
    CHECK(names(store.list_by_index("env", "prod")) == std::vector<std::string>{"a", "b"});

    store.apply(object("c", "7", {{"env", "dev"}}));
    store.remove(object("b", "8"));
    CHECK(names(store.list_by_index("env", "prod")) == std::vector<std::string>{"a"});
    CHECK(store.list_by_index("tier", "web").empty());
    CHECK(names(store.list_by_index("env", "dev")) == std::vector<std::string>{"c"});

    relist(store, {object("c", "9", {{"env", "qa"}}), object("d", "10")}, "10");
    CHECK(store.list_by_index("env", "dev").empty());
    CHECK(store.list_by_index("env", "prod").empty());
    CHECK(names(store.list_by_index("env", "qa")) == std::vector<std::string>{"c"});
    CHECK(store.list_by_index("nope", "x").empty());

    store.apply(object("e", "11", {{"env", ""}}));  // an empty value is a value; no label is none
    CHECK(names(store.list_by_index("env", "")) == std::vector<std::string>{"e"});
}

TEST_CASE("a silent first sync tells no handler, later relists and events do") {
    const bool packed = GENERATE(false, true);
    INFO("packed " << packed);
    Store store({.packed = packed, .silent_first_sync = true});
    store.add_index("env", index_by_label("env"));
    Recorder recorder;
    store.add_handlers(recorder.handlers());
    relist(store, {object("a", "1", {{"env", "dev"}}), object("b", "2")}, "2");
    CHECK(store.synced());
    CHECK(store.size() == 2);
    CHECK(names(store.list_by_index("env", "dev")) == std::vector<std::string>{"a"});
    CHECK(recorder.seen.empty());

    store.apply(object("c", "3"));
    relist(store, {object("a", "4"), object("c", "3"), object("d", "5")}, "5");
    CHECK(recorder.seen == std::vector<std::string>{"add c", "delete b", "update a 1->4", "add d"});
}

TEST_CASE("index_values without a filter lists every value of an index") {
    Store store({.packed = true});
    store.add_index("workload", index_by_label("workload"));
    relist(store, {object("w1-a", "1", {{"workload", "w1"}}), object("w1-b", "2", {{"workload", "w1"}}),
                   object("w2-a", "3", {{"workload", "w2"}}), object("loose", "4")},
           "4");
    CHECK(store.index_values("workload") == std::set<std::string, std::less<>>{"w1", "w2"});
    CHECK(store.index_values("nope").empty());
}

TEST_CASE("keys and snapshots are read without decoding, a snapshot changes only when its object does") {
    using Snapshots = std::map<std::string, std::uint64_t>;
    auto snapshots = [](const Store& store) {
        Snapshots out;
        store.for_each_snapshot([&](const ObjectKey& key, std::uint64_t snapshot) { out[key.name] = snapshot; });
        return out;
    };
    const bool packed = GENERATE(false, true);
    INFO("packed " << packed);
    Store store({.packed = packed});
    relist(store, {object("b", "1"), object("a", "2")}, "2");
    CHECK(store.keys() == std::vector<ObjectKey>{{"n", "a"}, {"n", "b"}});
    const Snapshots first = snapshots(store);
    REQUIRE(first.size() == 2);
    CHECK(first.at("a") != first.at("b"));

    store.apply(object("a", "3"));
    const Snapshots second = snapshots(store);
    CHECK(second.at("a") != first.at("a"));
    CHECK(second.at("b") == first.at("b"));

    relist(store, {object("a", "3"), object("b", "4")}, "4");  // a unchanged, b changed
    const Snapshots third = snapshots(store);
    CHECK(third.at("a") == second.at("a"));
    CHECK(third.at("b") != second.at("b"));

    Store other({.packed = packed});
    other.apply(object("a", "3"));
    CHECK(snapshots(other).at("a") != third.at("a"));  // never shared between stores
}

TEST_CASE("index_values reads one index's values among another's objects, following changes") {
    using Values = std::set<std::string, std::less<>>;
    Store store({.packed = true});
    store.add_index("workload", index_by_label("workload"));
    store.add_index("target", index_by_label("target"));
    relist(store,
           {object("w1-a", "1", {{"workload", "w1"}, {"target", "a"}}), object("w1-b", "2", {{"workload", "w1"}, {"target", "b"}}),
            object("w2-a", "3", {{"workload", "w2"}, {"target", "a"}}), object("w3-b", "4", {{"workload", "w3"}, {"target", "b"}}),
            object("loose-a", "5", {{"target", "a"}})},
           "5");
    CHECK(store.index_values("workload", "target", "a") == Values{"w1", "w2"});
    CHECK(store.index_values("workload", "target", "b") == Values{"w1", "w3"});

    store.remove(object("w1-a", "6"));
    store.apply(object("w3-b", "7", {{"workload", "w3"}, {"target", "a"}}));
    CHECK(store.index_values("workload", "target", "a") == Values{"w2", "w3"});
    CHECK(store.index_values("workload", "target", "b") == Values{"w1"});
    CHECK(store.index_values("workload", "target", "c").empty());
    CHECK(store.index_values("nope", "target", "a").empty());
    CHECK(store.index_values("workload", "nope", "a").empty());
}

TEST_CASE("a packed store hands out equal, fresh snapshots and notifies like an unpacked one") {
    Store plain;
    Store packed({.packed = true});
    Recorder plain_seen;
    Recorder packed_seen;
    plain.add_handlers(plain_seen.handlers());
    packed.add_handlers(packed_seen.handlers());
    for (Store* store : {&plain, &packed}) {
        relist(*store, {object("a", "1", {{"env", "dev"}}), object("b", "2"), object("c", "3")}, "10");
        store->apply(object("d", "11"));
        store->apply(object("a", "12", {{"env", "prod"}}));
        store->remove(object("b", "13"));
        relist(*store, {object("a", "12", {{"env", "prod"}}), object("c", "14"), object("e", "15")}, "20");
    }
    CHECK(packed_seen.seen == plain_seen.seen);
    REQUIRE(names(packed.list()) == std::vector<std::string>{"a", "c", "e"});
    for (const auto& key : {ObjectKey{"n", "a"}, ObjectKey{"n", "c"}, ObjectKey{"n", "e"}}) {
        REQUIRE(packed.get(key));
        CHECK(*packed.get(key) == *plain.get(key));
    }
    CHECK(packed.get({"n", "a"}) != packed.get({"n", "a"}));  // a new snapshot per read
    CHECK(packed.resource_version() == "20");
    for (Store* store : {&plain, &packed}) {
        REQUIRE(store->version_of({"n", "c"}) != nullptr);
        CHECK(*store->version_of({"n", "c"}) == "14");
        CHECK(store->version_of({"n", "b"}) == nullptr);
    }
}

TEST_CASE("a named index files objects under the values its function returns, through every change") {
    Store store;
    store.apply(object("early", "1", {{"team", "x"}}));
    // One value per label value, so an object can be filed under several.
    store.add_index("teams", [](const Json& o) {
        std::vector<std::string> values;
        for (const auto& [key, value] : o["metadata"]["labels"].items()) values.push_back(value.get<std::string>());
        return values;
    });
    CHECK(names(store.list_by_index("teams", "x")) == std::vector<std::string>{"early"});

    store.apply(object("a", "2", {{"team", "x"}, {"other", "y"}}));
    CHECK(names(store.list_by_index("teams", "x")) == std::vector<std::string>{"a", "early"});
    CHECK(names(store.list_by_index("teams", "y")) == std::vector<std::string>{"a"});

    store.apply(object("a", "3", {{"team", "z"}}));
    CHECK(names(store.list_by_index("teams", "x")) == std::vector<std::string>{"early"});
    CHECK(store.list_by_index("teams", "y").empty());
    CHECK(names(store.list_by_index("teams", "z")) == std::vector<std::string>{"a"});

    store.remove(object("early", "4"));
    CHECK(store.list_by_index("teams", "x").empty());

    relist(store, {object("b", "5", {{"team", "z"}})}, "6");
    CHECK(names(store.list_by_index("teams", "z")) == std::vector<std::string>{"b"});
    CHECK(store.list_by_index("nope", "z").empty());
}

TEST_CASE("the revision changes with every change and is never shared between stores") {
    Store first;
    Store second;
    CHECK(first.revision() != second.revision());
    const auto before = first.revision();
    first.apply(object("a", "1"));
    const auto after_add = first.revision();
    CHECK(after_add != before);
    first.apply(object("a", "2"));
    CHECK(first.revision() != after_add);
    const auto after_update = first.revision();
    first.remove(object("missing", "3"));
    CHECK(first.revision() == after_update);  // nothing cached changed
    first.remove(object("a", "4"));
    CHECK(first.revision() != after_update);
    CHECK(first.revision() != second.revision());
}

TEST_CASE("objects without a name are not cached") {
    Store store;
    relist(store, {std::make_shared<const Json>(Json{{"metadata", Json::object()}}), nullptr}, "1");
    store.apply(std::make_shared<const Json>(Json::object()));
    CHECK(store.size() == 0);
}

namespace {

/// A Deployment-sized object with the managedFields and last-applied copy a real cluster carries.
Json deployment(int i) {
    Json managed = Json::array();
    for (int m = 0; m < 3; ++m)
        managed.push_back({{"manager", "kube-controller-manager"},
                           {"operation", "Update"},
                           {"apiVersion", "apps/v1"},
                           {"time", "2024-01-01T00:00:00Z"},
                           {"fieldsType", "FieldsV1"},
                           {"fieldsV1",
                            {{"f:metadata", {{"f:labels", {{"f:app", Json::object()}, {"f:tier", Json::object()}}}}},
                             {"f:spec",
                              {{"f:replicas", Json::object()},
                               {"f:template", {{"f:spec", {{"f:containers", {{"k:{\"name\":\"files\"}", Json::object()}}}}}}}}},
                             {"f:status", {{"f:readyReplicas", Json::object()}, {"f:conditions", Json::object()}}}}}});
    const std::string name = "workshop-" + std::to_string(i) + "-files";
    Json spec = {{"replicas", 1},
                 {"selector", {{"matchLabels", {{"app", name}}}}},
                 {"template",
                  {{"metadata", {{"labels", {{"app", name}}}}},
                   {"spec", {{"containers", Json::array({{{"name", "files"},
                                                           {"image", "registry.example/lab-files:prod"},
                                                           {"ports", Json::array({{{"containerPort", 8080}}})}}})}}}}}};
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata",
             {{"name", name},
              {"namespace", "labs"},
              {"resourceVersion", std::to_string(1000 + i)},
              {"uid", "0f0e0d0c-0b0a-0908-0706-05040302010" + std::to_string(i % 10)},
              {"labels", {{"app.kubernetes.io/managed-by", "labfleet"}, {"labfleet.dev/workload", name}}},
              {"annotations", {{"kubectl.kubernetes.io/last-applied-configuration", spec.dump()}}},
              {"managedFields", managed}}},
            {"spec", spec},
            {"status", {{"replicas", 1}, {"readyReplicas", 1}}}};
}

/// Heap bytes per cached object for `count` objects, measured with mallinfo2.
double bytes_per_object(int count, const ObjectTrim* trim, StoreOptions options = {}) {
    std::vector<Json> sources;
    for (int i = 0; i < count; ++i) sources.push_back(deployment(i));
    const auto before = mallinfo2().uordblks;
    {
        Store store(options);
        store.init_begin();
        std::vector<ObjectPtr> objects;
        for (auto& source : sources) {
            Json copy = trim ? trim->parse(source.dump(), {}) : source;
            objects.push_back(std::make_shared<const Json>(std::move(copy)));
        }
        store.init_apply(std::move(objects));
        store.init_done("1");
        const auto after = mallinfo2().uordblks;
        return static_cast<double>(after - before) / count;
    }
}

} // namespace

TEST_CASE("measure: heap bytes per cached object with and without trimming", "[measure]") {
    const ObjectTrim trim({last_applied_pointer});
    const double full = bytes_per_object(500, nullptr);
    const double trimmed = bytes_per_object(500, &trim);
    WARN("bytes per cached Deployment: untrimmed " << full << ", trimmed " << trimmed);
    if (full <= 0) return;  // allocator statistics unavailable (e.g. under a sanitizer)
    CHECK(trimmed < full / 2);
}

TEST_CASE("measure: a packed store holds a cached object in a fraction of the parsed form's memory", "[measure]") {
    const ObjectTrim trim({last_applied_pointer});
    const double parsed = bytes_per_object(500, &trim);
    const double packed = bytes_per_object(500, &trim, {.packed = true});
    WARN("bytes per cached trimmed Deployment: parsed " << parsed << ", packed " << packed);
    if (parsed <= 0) return;  // allocator statistics unavailable (e.g. under a sanitizer)
    CHECK(packed < parsed / 6);
}
