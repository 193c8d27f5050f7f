#include "kube/controller/crash_record.hpp"

#include <filesystem>
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "kube/cache/store.hpp"
#include "kube/controller/controller.hpp"

using namespace labfleet::kube;
using Verdict = CrashHistory::Verdict;

namespace {

/// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("labfleet-crash-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() { std::filesystem::remove_all(path); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

const ReconcileKey crashy{"workload", "ns/crashy"};
const ReconcileKey other{"workload", "ns/other"};

/// One process's life: opens the record, claims `slots` slots, and "dies"
/// (the object goes away without clear()) leaving `in_flight` running.
void die_with(const TempDir& dir, const std::vector<ReconcileKey>& in_flight, std::size_t slots = 4) {
    asio::io_context io;
    CrashRecord record(io.get_executor(), dir.path.string());
    std::vector<int> claimed;
    for (std::size_t i = 0; i < slots; ++i) claimed.push_back(record.claim_slot());
    for (std::size_t i = 0; i < in_flight.size(); ++i) {
        const bool alone = in_flight.size() == 1;
        record.admit(in_flight[i], [] { return std::string("uid/1"); });
        record.begin(claimed[i], in_flight[i], alone);
    }
}

/// Reconciles with a suspension point in the middle, recording what ran at
/// once with what; stops the controller after `stop_after` calls.
class SuspendingReconciler final : public Reconciler {
public:
    std::vector<std::string> calls;
    std::vector<std::string> reported;  // quarantined() calls
    std::set<std::string> in_flight;
    std::vector<std::set<std::string>> company;  // in_flight as each reconcile resumed
    std::map<std::string, std::string> revisions;
    Controller* controller = nullptr;
    std::size_t stop_after = 0;

    asio::awaitable<ReconcileResult> reconcile(std::string key) override {
        calls.push_back(key);
        in_flight.insert(key);
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        company.push_back(in_flight);
        in_flight.erase(key);
        if (calls.size() + reported.size() >= stop_after) controller->stop();
        co_return ReconcileResult::done();
    }
    std::string revision(const std::string& key) override { return revisions[key]; }
    asio::awaitable<ReconcileResult> quarantined(std::string key, std::string why) override {
        reported.push_back(key + ": " + why.substr(0, 19));
        if (calls.size() + reported.size() >= stop_after) controller->stop();
        co_return ReconcileResult::done();
    }
};

Json object(const std::string& name) { return {{"metadata", {{"name", name}, {"resourceVersion", "1"}}}}; }

} // namespace

TEST_CASE("crash record: what a dead process had in flight is read by the next one") {
    const TempDir dir;
    die_with(dir, {crashy, other});
    asio::io_context io;
    CrashRecord record(io.get_executor(), dir.path.string());
    CHECK(record.died_with() == std::vector<ReconcileKey>{crashy, other});
    CHECK(record.history().contains(crashy));
    CHECK(record.history().contains(other));
}

TEST_CASE("crash record: an orderly exit, and reconciles that returned, leave nothing in flight") {
    const TempDir dir;
    {
        asio::io_context io;
        CrashRecord record(io.get_executor(), dir.path.string());
        const int a = record.claim_slot();
        const int b = record.claim_slot();
        record.begin(a, crashy, false);
        record.begin(b, other, false);
        record.end(a, crashy, false);  // returned; `other` is still running at exit
        record.clear();
    }
    asio::io_context io;
    CrashRecord record(io.get_executor(), dir.path.string());
    CHECK(record.died_with().empty());
    CHECK(record.history().entries().empty());
}

TEST_CASE("crash record: two deaths in a row, the second alone, quarantine the key across restarts") {
    const TempDir dir;
    die_with(dir, {crashy, other});  // in company: both suspects
    die_with(dir, {crashy});         // run alone, died again
    for (int restart = 0; restart < 2; ++restart) {  // an orderly restart keeps the quarantine
        asio::io_context io;
        CrashRecord record(io.get_executor(), dir.path.string());
        REQUIRE(record.history().contains(crashy));
        CHECK(record.history().entries().at(crashy).quarantined());
        CHECK_FALSE(record.history().contains(other));
        CHECK(record.admit(crashy, [] { return std::string("uid/1"); }).verdict == Verdict::Skip);
        record.clear();
    }
    asio::io_context io;
    CrashRecord record(io.get_executor(), dir.path.string());
    const auto lifted = record.admit(crashy, [] { return std::string("uid/2"); });
    CHECK(lifted.lifted);
    CHECK(lifted.verdict == Verdict::Run);
    CrashRecord after(io.get_executor(), dir.path.string());  // persisted
    CHECK_FALSE(after.history().contains(crashy));
}

TEST_CASE("crash record: a suspect that comes back is cleared on disk") {
    const TempDir dir;
    die_with(dir, {crashy, other});
    {
        asio::io_context io;
        CrashRecord record(io.get_executor(), dir.path.string());
        const int slot = record.claim_slot();
        REQUIRE(record.admit(crashy, [] { return std::string("uid/1"); }).verdict == Verdict::RunAlone);
        record.begin(slot, crashy, true);
        record.end(slot, crashy, true);  // came back
        REQUIRE(record.admit(crashy, [] { return std::string("uid/1"); }).verdict == Verdict::Run);
        record.begin(slot, crashy, false);
    }  // and dies later with crashy alone in flight: one death, not two in a row
    asio::io_context io;
    CrashRecord record(io.get_executor(), dir.path.string());
    REQUIRE(record.history().contains(crashy));
    CHECK(record.history().entries().at(crashy).deaths == 1);
    CHECK_FALSE(record.history().entries().at(crashy).quarantined());
}

TEST_CASE("crash record: a key too long for a slot is cut, and the slot still reads as one line") {
    const TempDir dir;
    const ReconcileKey huge{"workload", std::string(2 * CrashRecord::slot_size, 'x')};
    die_with(dir, {huge});
    asio::io_context io;
    CrashRecord record(io.get_executor(), dir.path.string());
    REQUIRE(record.died_with().size() == 1);
    CHECK(record.died_with().front().key.size() < CrashRecord::slot_size);
}

TEST_CASE("crash record: a directory that cannot be used fails at start naming it") {
    asio::io_context io;
    CHECK_THROWS_WITH(CrashRecord(io.get_executor(), "/nonexistent/labfleet-crash"),
                      Catch::Contains("/nonexistent/labfleet-crash"));
}

TEST_CASE("controller with a crash record runs a suspect alone and skips a quarantined key") {
    const TempDir dir;
    die_with(dir, {{"test", "suspect"}, {"test", "quarantined"}});
    die_with(dir, {{"test", "quarantined"}});
    die_with(dir, {{"test", "suspect"}, {"test", "a"}});

    std::ostringstream log;
    const Logger saved = default_logger();
    set_default_logger(Logger("test", LogLevel::Info, LogFormat::Json, &log));
    asio::io_context io;
    FakeClock clock;
    CrashRecord record(io.get_executor(), dir.path.string());
    SuspendingReconciler reconciler;
    reconciler.revisions = {{"quarantined", "uid/1"}, {"suspect", "uid/1"}};
    Controller controller(io.get_executor(), clock, {"test", 3, {}, &record, {}}, reconciler);
    reconciler.controller = &controller;
    reconciler.stop_after = 5;  // a, b, c, suspect, and quarantined's report
    Store store;
    controller.watch_primary(store);
    for (const char* name : {"a", "b", "quarantined", "suspect", "c"}) store.apply(std::make_shared<const Json>(object(name)));

    asio::co_spawn(io, controller.run(), asio::detached);
    io.run_for(std::chrono::seconds(10));  // a bound: the reconciler stops the controller
    set_default_logger(saved);
    INFO(log.str());

    CHECK(reconciler.reported == std::vector<std::string>{"quarantined: its reconcile ended"});
    CHECK(std::count(reconciler.calls.begin(), reconciler.calls.end(), "quarantined") == 0);
    REQUIRE(std::count(reconciler.calls.begin(), reconciler.calls.end(), "suspect") == 1);
    for (const auto& seen : reconciler.company)
        if (seen.contains("suspect")) CHECK(seen == std::set<std::string>{"suspect"});
    CHECK(reconciler.calls.size() == 4);
    CHECK(log.str().find("reconcile skipped: quarantined") != std::string::npos);
    CHECK_FALSE(record.history().contains({"test", "suspect"}));  // came back
    CHECK(record.history().entries().at({"test", "quarantined"}).quarantined());

}

TEST_CASE("controller with a crash record reconciles a quarantined key again once its object changed") {
    const TempDir dir;
    die_with(dir, {{"test", "quarantined"}});
    die_with(dir, {{"test", "quarantined"}});  // quarantined at revision uid/1

    std::ostringstream log;
    const Logger saved = default_logger();
    set_default_logger(Logger("test", LogLevel::Info, LogFormat::Json, &log));
    asio::io_context io;
    FakeClock clock;
    CrashRecord record(io.get_executor(), dir.path.string());
    SuspendingReconciler reconciler;
    reconciler.revisions = {{"quarantined", "uid/2"}};  // the user edited the spec
    Controller controller(io.get_executor(), clock, {"test", 1, {}, &record, {}}, reconciler);
    reconciler.controller = &controller;
    reconciler.stop_after = 1;
    controller.enqueue("quarantined");
    asio::co_spawn(io, controller.run(), asio::detached);
    io.run_for(std::chrono::seconds(10));  // a bound: the reconciler stops the controller
    set_default_logger(saved);
    INFO(log.str());

    CHECK(reconciler.calls == std::vector<std::string>{"quarantined"});
    CHECK(reconciler.reported.empty());
    CHECK(log.str().find("quarantine lifted") != std::string::npos);
    CrashRecord after(io.get_executor(), dir.path.string());
    CHECK(after.history().entries().empty());
}
