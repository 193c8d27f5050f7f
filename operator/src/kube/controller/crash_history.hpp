#pragma once
// CrashHistory: which keys' reconciles were running when the process died,
// death after death, and the verdict that follows: run as usual, run alone
// (a suspect), or skip (quarantined). Pure: CrashRecord reads and writes it
// from files; tests drive it directly.
//
// The rule: a key is quarantined when the process died twice in a row with
// its reconcile in flight, the second time with no other reconcile in
// flight. A death with several reconciles in flight cannot tell which one
// killed it, so each of them becomes a suspect and is run alone after the
// restart; a suspect that comes back is cleared, one that dies alone is
// quarantined. A death with nothing in flight (or an orderly exit) clears
// every suspect: the deaths were not in a row. A quarantine lasts until the
// key's revision (what a person declared: say, the object's uid and
// metadata.generation) differs from the one its last run saw.

#include <compare>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labfleet::kube {

/// A reconcile: the controller's name and the key.
struct ReconcileKey {
    std::string controller;
    std::string key;
    friend auto operator<=>(const ReconcileKey&, const ReconcileKey&) = default;
};

struct CrashEntry {
    int deaths = 0;      // consecutive deaths with this key in flight
    bool alone = false;  // at the last of them, it was the only reconcile in flight
    /// The revision its last run under suspicion saw; nullopt until then.
    std::optional<std::string> revision;

    bool quarantined() const { return deaths >= 2 && alone; }
    friend bool operator==(const CrashEntry&, const CrashEntry&) = default;
};

class CrashHistory {
public:
    /// Entries kept at most; beyond it, quarantines not in the last death are
    /// dropped in key order (suspects are bounded by the in-flight slots).
    static constexpr std::size_t max_entries = 256;

    enum class Verdict { Run, RunAlone, Skip };
    struct Admission {
        Verdict verdict = Verdict::Run;
        bool changed = false;  // the history changed (to be persisted)
        bool lifted = false;   // a quarantine ended: the revision changed
    };

    /// The process died (or exited) with `in_flight` running. Every key in it
    /// counts one more death (alone when it is the only one); suspects not
    /// in it are cleared; quarantines are kept.
    void record_death(const std::vector<ReconcileKey>& in_flight);

    /// Whether `key` has an entry (a suspect or a quarantine): only then does
    /// admit() need its revision.
    bool contains(const ReconcileKey& key) const { return entries_.contains(key); }

    /// The verdict for running `key` now that its revision is `revision`. A
    /// suspect or quarantine whose recorded revision differs is forgotten
    /// (Run); a suspect without one records it (RunAlone); a quarantine is Skip.
    Admission admit(const ReconcileKey& key, const std::string& revision);

    /// `key`'s reconcile returned: not the killer, or not every time.
    /// Returns whether the history changed. Quarantines are not cleared.
    bool survived(const ReconcileKey& key);

    const std::map<ReconcileKey, CrashEntry>& entries() const { return entries_; }

    /// One line per entry: deaths, alone (0/1), revision ("" for none;
    /// "-" prefixed otherwise, so an empty revision is told from none),
    /// controller, key, separated by tabs. parse() skips lines it cannot read.
    std::string serialize() const;
    static CrashHistory parse(std::string_view text);

private:
    std::map<ReconcileKey, CrashEntry> entries_;
};

} // namespace labfleet::kube
