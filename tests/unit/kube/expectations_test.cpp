#include <catch2/catch.hpp>

#include "kube/controller/expectations.hpp"

using namespace labfleet::kube;
using namespace std::chrono_literals;
using State = Expectations::Check::State;

namespace {
ObjectPtr object(const std::string& name, const std::string& rv) {
    return std::make_shared<const Json>(Json{{"metadata", {{"name", name}, {"resourceVersion", rv}}}});
}
} // namespace

TEST_CASE("write_observed: the cached version shows the write or a later state", "[expectations]") {
    const std::string same = "12", older = "11", newer = "15", replaced = "10";
    CHECK(write_observed(nullptr, "10", "12"));  // gone since
    CHECK(write_observed(&same, "10", "12"));
    CHECK(write_observed(&newer, "10", "12"));
    CHECK_FALSE(write_observed(&older, "10", "12"));
    CHECK_FALSE(write_observed(&replaced, "10", "12"));
    // Opaque versions: anything but the replaced one follows the write.
    const std::string opaque_replaced = "x1", opaque_other = "y7";
    CHECK_FALSE(write_observed(&opaque_replaced, "x1", "z9"));
    CHECK(write_observed(&opaque_other, "x1", "z9"));
    // A response without resourceVersion.
    CHECK_FALSE(write_observed(&replaced, "10", ""));
    CHECK(write_observed(&newer, "10", ""));
}

TEST_CASE("Expectations: a key waits until its store shows every write, bounded by the timeout", "[expectations]") {
    FakeClock clock;
    Store store;
    store.apply(object("a", "10"));
    store.apply(object("b", "11"));
    Expectations expectations(clock, {30s});

    CHECK(expectations.check("t").state == State::Observed);
    expectations.expect_update("t", store, {"", "a"}, "10", "12");
    expectations.expect_update("t", store, {"", "b"}, "11", "13");
    expectations.expect_update("u", store, {"", "b"}, "11", "13");
    CHECK(expectations.keys() == 2);

    auto check = expectations.check("t");
    CHECK(check.state == State::Waiting);
    CHECK(check.wait == 30s);

    clock.advance(10s);
    store.apply(object("a", "12"));
    check = expectations.check("t");
    CHECK(check.state == State::Waiting);
    CHECK(check.wait == 20s);

    SECTION("the last write shows up: observed, and the key is forgotten") {
        store.apply(object("b", "14"));
        CHECK(expectations.check("t").state == State::Observed);
        CHECK(expectations.check("u").state == State::Observed);
        CHECK(expectations.keys() == 0);
    }
    SECTION("it does not: past the timeout, the objects still unseen are named until forgotten") {
        clock.advance(20s);
        check = expectations.check("t");
        CHECK(check.state == State::TimedOut);
        CHECK(check.unobserved == std::vector<ObjectKey>{{"", "b"}});
        CHECK(expectations.check("t").state == State::TimedOut);
        expectations.forget("t");
        CHECK(expectations.check("t").state == State::Observed);
        CHECK(expectations.check("u").state == State::TimedOut);  // keys are independent
    }
    SECTION("an object deleted since the write counts as observed") {
        store.remove(object("b", "11"));
        CHECK(expectations.check("t").state == State::Observed);
    }
}

TEST_CASE("Expectations: a create is observed once the store caches the object, whatever its version", "[expectations]") {
    FakeClock clock;
    Store store;
    Expectations expectations(clock, {5s});
    expectations.expect_create("w", store, {"ns", "a"});
    auto check = expectations.check("w");
    CHECK(check.state == State::Waiting);  // not cached is not yet created, unlike an update's object gone
    CHECK(check.wait == 5s);
    SECTION("cached: observed") {
        Json created = {{"metadata", {{"name", "a"}, {"namespace", "ns"}, {"resourceVersion", "7"}}}};
        store.apply(std::make_shared<const Json>(created));
        CHECK(expectations.check("w").state == State::Observed);
        CHECK(expectations.keys() == 0);
    }
    SECTION("never cached (deleted at once): timed out after the timeout, naming it") {
        clock.advance(5s);
        check = expectations.check("w");
        CHECK(check.state == State::TimedOut);
        CHECK(check.unobserved == std::vector<ObjectKey>{{"ns", "a"}});
    }
}

TEST_CASE("Expectations: drop_observed lets go of the writes the cache shows, before the key is checked", "[expectations]") {
    FakeClock clock;
    Store store;
    Expectations expectations(clock, {30s});
    expectations.expect_create("w", store, {"ns", "a"});
    expectations.expect_create("w", store, {"ns", "b"});
    expectations.expect_create("v", store, {"ns", "c"});
    auto cache = [&store](const std::string& name) {
        store.apply(std::make_shared<const Json>(
            Json{{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", "7"}}}}));
    };

    cache("a");
    expectations.drop_observed("w", {"ns", "a"});
    CHECK(expectations.keys() == 2);  // b is still unseen
    cache("b");
    expectations.drop_observed("w", {"ns", "a"});
    CHECK(expectations.keys() == 2);  // only the object named is looked at
    expectations.drop_observed("w", {"ns", "b"});
    CHECK(expectations.keys() == 1);  // w let go without being checked
    expectations.drop_observed("unknown", {"ns", "b"});
    CHECK(expectations.keys() == 1);
    CHECK(expectations.check("w").state == State::Observed);
    CHECK(expectations.check("v").state == State::Waiting);
}
