#include "kube/controller/crash_history.hpp"

#include <catch2/catch.hpp>

using namespace labfleet::kube;
using Verdict = CrashHistory::Verdict;

namespace {
const ReconcileKey crashy{"workload", "crashy"};
const ReconcileKey other{"workload", "other"};
const ReconcileKey lease{"environmentlease", "crashy"};  // same key, another controller
} // namespace

TEST_CASE("crash history: a key is quarantined after two deaths in a row, the second alone") {
    CrashHistory history;
    history.record_death({crashy, other, lease});  // which one? each becomes a suspect
    for (const auto& key : {crashy, other, lease}) {
        REQUIRE(history.contains(key));
        CHECK_FALSE(history.entries().at(key).quarantined());
    }
    CHECK(history.admit(crashy, "uid/1").verdict == Verdict::RunAlone);
    CHECK(history.admit(other, "uid-o/3").verdict == Verdict::RunAlone);
    CHECK(history.survived(other));  // came back: not the killer
    CHECK_FALSE(history.contains(other));

    history.record_death({crashy});  // died again, crashy alone in flight
    REQUIRE(history.contains(crashy));
    CHECK(history.entries().at(crashy).quarantined());
    CHECK(history.entries().at(crashy).deaths == 2);
    CHECK_FALSE(history.contains(lease));  // not in flight at the second death: not in a row
    CHECK(history.admit(crashy, "uid/1").verdict == Verdict::Skip);
    CHECK_FALSE(history.survived(crashy));  // a quarantine is not cleared by a run it never had
}

TEST_CASE("crash history: two deaths in a row with company quarantine nobody") {
    CrashHistory history;
    history.record_death({crashy, other});
    history.record_death({crashy, other});  // e.g. a kill from outside, twice while both ran
    CHECK(history.entries().at(crashy).deaths == 2);
    CHECK_FALSE(history.entries().at(crashy).quarantined());
    CHECK(history.admit(crashy, "uid/1").verdict == Verdict::RunAlone);
}

TEST_CASE("crash history: a death with nothing in flight, or an orderly exit, ends the run of deaths") {
    CrashHistory history;
    history.record_death({crashy});
    history.record_death({});
    CHECK(history.entries().empty());
    history.record_death({crashy});
    CHECK_FALSE(history.entries().at(crashy).quarantined());
}

TEST_CASE("crash history: a quarantine lasts across restarts until the revision changes") {
    CrashHistory history;
    history.record_death({crashy});
    history.admit(crashy, "uid/1");
    history.record_death({crashy});
    history.record_death({});  // an orderly restart: the quarantine stays
    history.record_death({other});
    REQUIRE(history.contains(crashy));
    CHECK(history.admit(crashy, "uid/1").verdict == Verdict::Skip);

    const auto lifted = history.admit(crashy, "uid/2");  // the user edited the spec
    CHECK(lifted.verdict == Verdict::Run);
    CHECK(lifted.lifted);
    CHECK(lifted.changed);
    CHECK_FALSE(history.contains(crashy));
    CHECK(history.admit(crashy, "uid/2").verdict == Verdict::Run);
}

TEST_CASE("crash history: a suspect edited before its run alone starts over") {
    CrashHistory history;
    history.record_death({crashy});
    CHECK(history.admit(crashy, "uid/1").verdict == Verdict::RunAlone);
    history.record_death({crashy});  // quarantined at revision uid/1
    const auto admission = history.admit(crashy, "");  // deleted meanwhile
    CHECK(admission.verdict == Verdict::Run);
    CHECK(admission.lifted);
}

TEST_CASE("crash history: the first admission records the revision the run sees") {
    CrashHistory history;
    history.record_death({crashy});
    const auto first = history.admit(crashy, "uid/1");
    CHECK(first.changed);
    CHECK(history.entries().at(crashy).revision == std::optional<std::string>("uid/1"));
    CHECK_FALSE(history.admit(crashy, "uid/1").changed);
    CHECK(history.admit(other, "x").verdict == Verdict::Run);  // no entry: no change
}

TEST_CASE("crash history: serialize and parse round-trip, and bad lines are skipped") {
    CrashHistory history;
    history.record_death({crashy, lease});
    history.admit(crashy, "uid/1");
    history.admit(lease, "");  // an empty revision is not "none"
    history.record_death({crashy});
    history.record_death({other});
    const CrashHistory parsed = CrashHistory::parse(history.serialize());
    CHECK(parsed.entries() == history.entries());
    CHECK(parsed.entries().at(crashy).quarantined());

    const CrashHistory partial = CrashHistory::parse("2\t1\t-a/1\tworkload\tns/x\n"
                                                     "garbage\n"
                                                     "x\t1\t\tworkload\ty\n"
                                                     "1\t2\t\tworkload\ty\n"
                                                     "1\t0\tnodash\tworkload\ty\n"
                                                     "1\t0\t\t\ty\n"
                                                     "3\t1\t-b/2\ttarget\tt");  // no final newline
    REQUIRE(partial.entries().size() == 2);
    CHECK(partial.entries().at({"workload", "ns/x"}).quarantined());
    CHECK(partial.entries().at({"target", "t"}).revision == std::optional<std::string>("b/2"));
}

TEST_CASE("crash history: quarantines are bounded") {
    CrashHistory history;
    for (std::size_t i = 0; i < CrashHistory::max_entries + 10; ++i) {
        const ReconcileKey key{"workload", "w" + std::to_string(i)};
        history.record_death({key});
        history.admit(key, "r");
        history.record_death({key});
        REQUIRE(history.entries().at(key).quarantined());
    }
    CHECK(history.entries().size() == CrashHistory::max_entries);
}
