#pragma once
// CrashRecord: which reconciles were running when the process died, kept in
// a directory that outlives the process (in a pod, an emptyDir survives a
// container restart), and what follows from it (CrashHistory): suspects run
// alone, quarantined keys do not run.
//
// Two files in the directory:
//   in-flight  one fixed slot per worker; a worker writes "controller\tkey\n"
//              into its slot before each reconcile and clears it after, each
//              a single pwrite and no fsync: the page cache outlives a dead
//              process, and a lost node loses the pod (and its emptyDir) too.
//   history    CrashHistory::serialize(), replaced by rename; written at
//              start and when a suspect or quarantine changes (after a
//              crash only), never on the reconcile path.
// On start the in-flight slots the last process left are read and counted
// as one death (an orderly exit clears them first: clear()).
//
// Everything runs on the one runtime thread: the gate that makes a suspect
// run alone is a pair of counters and a timer, across every controller that
// shares the record.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kube/controller/crash_history.hpp"
#include "kube/util/logger.hpp"

namespace labfleet::kube {

namespace asio = boost::asio;

class CrashRecord {
public:
    /// Bytes of one in-flight slot; a longer "controller\tkey" is cut (a
    /// Kubernetes key is at most 317 bytes).
    static constexpr std::size_t slot_size = 512;

    /// Reads what the last process left in `dir` (which must exist), records
    /// that death, persists the history and logs the keys concerned.
    /// Throws std::runtime_error naming the file when `dir` is not usable.
    CrashRecord(asio::any_io_executor executor, std::string dir);
    ~CrashRecord();
    CrashRecord(const CrashRecord&) = delete;
    CrashRecord& operator=(const CrashRecord&) = delete;

    /// A slot of its own for one worker.
    int claim_slot();

    /// The verdict for reconciling `key` now; `revision` is called only for a
    /// key the history names (a suspect or a quarantine).
    CrashHistory::Admission admit(const ReconcileKey& key, const std::function<std::string()>& revision);

    /// Whether a reconcile may start now: one run `alone` when nothing else
    /// runs; any other when no reconcile runs alone or waits to.
    bool may_start(bool alone) const;
    /// Returns once may_start(alone); call begin() without suspending in between.
    asio::awaitable<void> wait_to_start(bool alone);
    /// Records `key` in flight in `slot` (one pwrite).
    void begin(int slot, const ReconcileKey& key, bool alone);
    /// Clears `slot`; a key run `alone` came back, so its suspicion is cleared.
    void end(int slot, const ReconcileKey& key, bool alone);

    /// Clears every slot: an orderly exit leaves no reconcile in flight.
    void clear();

    /// The reconciles in flight when the last process ended.
    const std::vector<ReconcileKey>& died_with() const { return died_with_; }
    const CrashHistory& history() const { return history_; }

private:
    void write_slot(int slot, std::string_view text);
    /// Writes the history; the error naming the file when it could not.
    std::optional<std::string> persist();
    void persist_or_warn();

    std::string dir_;
    int fd_ = -1;  // the in-flight file
    int slots_ = 0;
    std::vector<ReconcileKey> died_with_;
    CrashHistory history_;
    int running_ = 0;          // reconciles in flight, not alone
    bool alone_running_ = false;
    int alone_waiting_ = 0;
    asio::steady_timer changed_;  // cancelled whenever a reconcile ends: waiters look again
    Logger log_;
};

} // namespace labfleet::kube
