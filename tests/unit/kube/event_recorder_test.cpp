#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>

#include "kube/events/event_recorder.hpp"

using namespace labfleet::kube;
using namespace std::chrono_literals;
using Kind = EventAction::Kind;

namespace {

const WallTime kStart{std::chrono::seconds{1767323045}};

ObjectReference lease() { return {"labfleet.dev/v1alpha1", "EnvironmentLease", "pr-42", "", "uid-1"}; }
ObjectReference config_map() { return {"v1", "ConfigMap", "web-workshop", "team-a", "uid-2"}; }

EventRecorderOptions options() {
    EventRecorderOptions o;
    o.reporting_instance = "labfleet-0";
    o.min_patch_interval = 0s;
    return o;
}

} // namespace

TEST_CASE("EventRecorder creates an events.k8s.io/v1 Event") {
    FakeClock clock(kStart);
    EventRecorder recorder(clock, options());
    const EventAction a = recorder.record(config_map(), EventType::Warning, "ApplyFailed", "conflict", "Apply");
    REQUIRE(a.kind == Kind::Create);
    CHECK(a.ns == "team-a");
    CHECK(a.name.rfind("web-workshop.", 0) == 0);
    const Json& e = a.body;
    CHECK(e["apiVersion"] == "events.k8s.io/v1");
    CHECK(e["kind"] == "Event");
    CHECK(e["metadata"]["name"] == a.name);
    CHECK(e["metadata"]["namespace"] == "team-a");
    CHECK(e["eventTime"] == "2026-01-02T03:04:05.000000Z");
    CHECK(e["reportingController"] == "labfleet");
    CHECK(e["reportingInstance"] == "labfleet-0");
    CHECK(e["reason"] == "ApplyFailed");
    CHECK(e["note"] == "conflict");
    CHECK(e["action"] == "Apply");
    CHECK(e["type"] == "Warning");
    CHECK(e["regarding"] == Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "web-workshop"},
                                 {"namespace", "team-a"}, {"uid", "uid-2"}});
    CHECK_FALSE(e.contains("series"));
}

TEST_CASE("EventRecorder puts events of cluster-scoped objects in default") {
    FakeClock clock(kStart);
    EventRecorder recorder(clock, options());
    const EventAction a = recorder.record(lease(), EventType::Normal, "LeaseGranted", "granted to ann");
    REQUIRE(a.kind == Kind::Create);
    CHECK(a.ns == "default");
    CHECK_FALSE(a.body["regarding"].contains("namespace"));
    CHECK(a.body["action"] == "LeaseGranted");
}

TEST_CASE("EventRecorder turns repeats into a series patch of the first Event") {
    FakeClock clock(kStart);
    EventRecorder recorder(clock, options());
    const EventAction first = recorder.record(lease(), EventType::Warning, "TargetNotFound", "no target t1");
    REQUIRE(first.kind == Kind::Create);
    clock.advance(1min);
    const EventAction second = recorder.record(lease(), EventType::Warning, "TargetNotFound", "no target t1");
    REQUIRE(second.kind == Kind::Patch);
    CHECK(second.ns == first.ns);
    CHECK(second.name == first.name);
    CHECK(second.body == Json{{"series", {{"count", 2}, {"lastObservedTime", "2026-01-02T03:05:05.000000Z"}}}});
    clock.advance(1min);
    CHECK(recorder.record(lease(), EventType::Warning, "TargetNotFound", "no target t1").body["series"]["count"] == 3);
    CHECK(recorder.tracked() == 1);
}

TEST_CASE("EventRecorder treats a different note, reason, type or object as a new Event") {
    FakeClock clock(kStart);
    EventRecorder recorder(clock, options());
    const EventAction base = recorder.record(lease(), EventType::Warning, "R", "n");
    const EventAction other_note = recorder.record(lease(), EventType::Warning, "R", "n2");
    const EventAction other_reason = recorder.record(lease(), EventType::Warning, "R2", "n");
    const EventAction other_type = recorder.record(lease(), EventType::Normal, "R", "n");
    ObjectReference other = lease();
    other.uid = "uid-new";  // deleted and re-created
    const EventAction other_object = recorder.record(other, EventType::Warning, "R", "n");
    for (const EventAction* a : {&other_note, &other_reason, &other_type, &other_object}) {
        CHECK(a->kind == Kind::Create);
        CHECK(a->name != base.name);
    }
    CHECK(recorder.tracked() == 5);
}

TEST_CASE("EventRecorder starts a new Event once the window has passed since the last repeat") {
    FakeClock clock(kStart);
    EventRecorder recorder(clock, options());
    const EventAction first = recorder.record(lease(), EventType::Normal, "R", "n");
    clock.advance(9min);
    CHECK(recorder.record(lease(), EventType::Normal, "R", "n").kind == Kind::Patch);
    clock.advance(9min);  // 18 min after the first, 9 after the last: still the series
    CHECK(recorder.record(lease(), EventType::Normal, "R", "n").kind == Kind::Patch);
    clock.advance(10min + 1s);
    const EventAction fresh = recorder.record(lease(), EventType::Normal, "R", "n");
    REQUIRE(fresh.kind == Kind::Create);
    CHECK(fresh.name != first.name);
    clock.advance(1s);
    const EventAction next = recorder.record(lease(), EventType::Normal, "R", "n");
    CHECK(next.name == fresh.name);
    CHECK(next.body["series"]["count"] == 2);
}

TEST_CASE("EventRecorder drops repeats closer than min_patch_interval but keeps counting") {
    FakeClock clock(kStart);
    EventRecorderOptions o = options();
    o.min_patch_interval = 30s;
    EventRecorder recorder(clock, o);
    REQUIRE(recorder.record(lease(), EventType::Warning, "R", "n").kind == Kind::Create);
    clock.advance(1s);
    CHECK(recorder.record(lease(), EventType::Warning, "R", "n").kind == Kind::Drop);
    clock.advance(1s);
    CHECK(recorder.record(lease(), EventType::Warning, "R", "n").kind == Kind::Drop);
    clock.advance(30s);
    const EventAction a = recorder.record(lease(), EventType::Warning, "R", "n");
    REQUIRE(a.kind == Kind::Patch);
    CHECK(a.body["series"]["count"] == 4);
}

TEST_CASE("EventRecorder remembers a bounded number of series, least recent evicted") {
    FakeClock clock(kStart);
    EventRecorderOptions o = options();
    o.max_tracked = 2;
    EventRecorder recorder(clock, o);
    (void)recorder.record(lease(), EventType::Normal, "A", "");
    (void)recorder.record(lease(), EventType::Normal, "B", "");
    CHECK(recorder.record(lease(), EventType::Normal, "A", "").kind == Kind::Patch);  // A is now most recent
    (void)recorder.record(lease(), EventType::Normal, "C", "");                       // evicts B
    CHECK(recorder.tracked() == 2);
    CHECK(recorder.record(lease(), EventType::Normal, "A", "").kind == Kind::Patch);
    CHECK(recorder.record(lease(), EventType::Normal, "B", "").kind == Kind::Create);
}

TEST_CASE("EventRecorder forget makes the next repeat create a new Event") {
    FakeClock clock(kStart);
    EventRecorder recorder(clock, options());
    const EventAction first = recorder.record(lease(), EventType::Normal, "R", "n");
    recorder.forget(first.ns, first.name);
    CHECK(recorder.tracked() == 0);
    CHECK(recorder.record(lease(), EventType::Normal, "R", "n").kind == Kind::Create);
}

TEST_CASE("EventRecorder names are unique within one clock tick and fit 253 characters") {
    FakeClock clock(kStart);
    EventRecorder recorder(clock, options());
    const std::string a = recorder.record(lease(), EventType::Normal, "A", "").name;
    const std::string b = recorder.record(lease(), EventType::Normal, "B", "").name;
    CHECK(a != b);
    ObjectReference long_name = lease();
    long_name.name = std::string(253, 'x');
    const std::string c = recorder.record(long_name, EventType::Normal, "A", "").name;
    CHECK(c.size() <= 253);
    CHECK(c.find('.') != std::string::npos);
}

TEST_CASE("EventRecorder drops invalid input and truncates long fields") {
    FakeClock clock(kStart);
    EventRecorder recorder(clock, options());
    CHECK(recorder.record(lease(), EventType::Normal, "", "n").kind == Kind::Drop);
    ObjectReference unnamed = lease();
    unnamed.name.clear();
    CHECK(recorder.record(unnamed, EventType::Normal, "R", "n").kind == Kind::Drop);
    const std::string note = std::string(1023, 'a') + "\xc3\xa9";  // a 2-byte character across the limit
    const EventAction a = recorder.record(lease(), EventType::Normal, std::string(200, 'r'), note);
    REQUIRE(a.kind == Kind::Create);
    CHECK(a.body["reason"].get<std::string>().size() == 128);
    CHECK(a.body["note"].get<std::string>() == std::string(1023, 'a'));
}

TEST_CASE("EventRecorder record_once creates the named Event once, never as a series") {
    FakeClock clock(kStart);
    EventRecorderOptions o = options();
    o.max_tracked = 2;
    EventRecorder recorder(clock, o);
    const std::string name = occurrence_event_name("pr-42", "LeaseGranted", "uid-1@2026-01-02T03:04:05Z");
    const EventAction first = recorder.record_once(lease(), EventType::Normal, "LeaseGranted", "granted", "Grant", name);
    REQUIRE(first.kind == Kind::Create);
    CHECK(first.ns == "default");
    CHECK(first.name == name);
    CHECK(first.body["metadata"]["name"] == name);
    CHECK(first.body["reason"] == "LeaseGranted");
    CHECK(first.body["regarding"]["uid"] == "uid-1");
    CHECK_FALSE(first.body.contains("series"));

    clock.advance(1s);
    CHECK(recorder.record_once(lease(), EventType::Normal, "LeaseGranted", "granted", "Grant", name).kind == Kind::Drop);
    CHECK(recorder.tracked() == 0);  // no series for it

    SECTION("a failed write is forgotten: the next record creates it again") {
        recorder.forget(first.ns, first.name);
        CHECK(recorder.record_once(lease(), EventType::Normal, "LeaseGranted", "granted", "Grant", name).kind ==
              Kind::Create);
    }
    SECTION("the names remembered are bounded; one evicted is created again (AlreadyExists at the server)") {
        recorder.record_once(lease(), EventType::Normal, "LeaseExpired", "n", "", "n1");
        recorder.record_once(lease(), EventType::Normal, "LeaseExpired", "n", "", "n2");
        CHECK(recorder.tracked_once() == 2);
        CHECK(recorder.record_once(lease(), EventType::Normal, "LeaseGranted", "granted", "Grant", name).kind ==
              Kind::Create);
    }
}

TEST_CASE("occurrence_event_name: deterministic, distinct per occurrence, a valid Event name") {
    const std::string a = occurrence_event_name("pr-42", "LeaseGranted", "uid-1@t1");
    CHECK(a == occurrence_event_name("pr-42", "LeaseGranted", "uid-1@t1"));
    CHECK(a.rfind("pr-42.leasegranted.", 0) == 0);
    CHECK(a.size() == std::string("pr-42.leasegranted.").size() + 16);
    CHECK(a != occurrence_event_name("pr-42", "LeaseGranted", "uid-1@t2"));
    CHECK(a != occurrence_event_name("pr-42", "LeaseExpired", "uid-1@t1"));
    const std::string long_name = occurrence_event_name(std::string(250, 'x') + "-", "LeaseGranted", "u");
    CHECK(long_name.size() <= 253);
    CHECK(long_name.find("x.leasegranted.") != std::string::npos);
    CHECK(std::all_of(long_name.begin(), long_name.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return std::islower(u) || std::isdigit(u) || c == '.' || c == '-';
    }));
}

TEST_CASE("EventRecorder forgets series unobserved for longer than the window, so churn does not grow it") {
    FakeClock clock(kStart);
    EventRecorderOptions o = options();
    EventRecorder recorder(clock, o);
    for (int i = 0; i < 100; ++i) {
        ObjectReference object = lease();
        object.name = "lease-" + std::to_string(i);
        recorder.record(object, EventType::Normal, "LeaseGranted", "granted");
    }
    CHECK(recorder.tracked() == 100);
    clock.advance(o.series_window + 1s);
    recorder.record(lease(), EventType::Normal, "LeaseGranted", "granted");
    CHECK(recorder.tracked() == 1);
}
