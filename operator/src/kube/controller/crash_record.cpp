#include "kube/controller/crash_record.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace labfleet::kube {

namespace {

constexpr const char* in_flight_name = "in-flight";
constexpr const char* history_name = "history";

std::string errno_text() { return std::strerror(errno); }

/// The whole file at `path`; "" when it does not exist.
std::string read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return {};
        throw std::runtime_error("crash record: open " + path + ": " + errno_text());
    }
    std::string text;
    char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string error = errno_text();
            ::close(fd);
            throw std::runtime_error("crash record: read " + path + ": " + error);
        }
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

/// The reconciles the slots of an in-flight file name: each slot's text up
/// to its first NUL, when it is a whole "controller\tkey\n".
std::vector<ReconcileKey> parse_slots(const std::string& file) {
    std::vector<ReconcileKey> keys;
    for (std::size_t start = 0; start < file.size(); start += CrashRecord::slot_size) {
        const std::string_view slot = std::string_view(file).substr(start, CrashRecord::slot_size);
        const std::string_view text = slot.substr(0, slot.find('\0'));
        const std::size_t tab = text.find('\t');
        if (text.empty() || text.back() != '\n' || tab == std::string_view::npos || tab == 0 || tab + 2 >= text.size())
            continue;
        keys.push_back({std::string(text.substr(0, tab)), std::string(text.substr(tab + 1, text.size() - tab - 2))});
    }
    return keys;
}

std::string describe(const std::vector<ReconcileKey>& keys) {
    std::string text;
    for (const auto& key : keys) text += (text.empty() ? "" : ", ") + key.controller + " " + key.key;
    return text;
}

} // namespace

CrashRecord::CrashRecord(asio::any_io_executor executor, std::string dir)
    : dir_(std::move(dir)), changed_(executor, asio::steady_timer::time_point::max()),
      log_(default_logger().named("crash-record")) {
    const std::string in_flight = dir_ + "/" + in_flight_name;
    died_with_ = parse_slots(read_file(in_flight));
    history_ = CrashHistory::parse(read_file(dir_ + "/" + history_name));
    history_.record_death(died_with_);
    // The slots are emptied before the history is written: a death in between
    // loses this death rather than counting it twice.
    fd_ = ::open(in_flight.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error("crash record: open " + in_flight + ": " + errno_text());
    if (auto error = persist()) throw std::runtime_error(*error);
    if (!died_with_.empty())
        log_.warn("the last process ended while reconciling; those keys run alone or stay quarantined",
                  {{"in_flight", describe(died_with_)}, {"dir", dir_}});
    for (const auto& [key, entry] : history_.entries())
        if (entry.quarantined())
            log_.error("quarantined: its reconcile ended the process twice in a row; it is skipped until its object changes",
                       {{"controller", key.controller}, {"key", key.key}, {"deaths", entry.deaths}});
}

CrashRecord::~CrashRecord() {
    if (fd_ >= 0) ::close(fd_);
}

int CrashRecord::claim_slot() {
    const int slot = slots_++;
    if (::ftruncate(fd_, static_cast<off_t>(slots_) * static_cast<off_t>(slot_size)) != 0)
        throw std::runtime_error("crash record: grow " + dir_ + "/" + in_flight_name + ": " + errno_text());
    return slot;
}

CrashHistory::Admission CrashRecord::admit(const ReconcileKey& key, const std::function<std::string()>& revision) {
    if (!history_.contains(key)) return {};
    const auto admission = history_.admit(key, revision());
    if (admission.changed) persist_or_warn();
    return admission;
}

bool CrashRecord::may_start(bool alone) const {
    if (alone_running_) return false;
    return alone ? running_ == 0 : alone_waiting_ == 0;
}

asio::awaitable<void> CrashRecord::wait_to_start(bool alone) {
    if (alone) ++alone_waiting_;
    // A suspect waiting holds back new reconciles; it waits only for those in flight.
    while (alone_running_ || (alone ? running_ > 0 : alone_waiting_ > 0))
        co_await changed_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (alone) --alone_waiting_;
}

void CrashRecord::begin(int slot, const ReconcileKey& key, bool alone) {
    if (alone) alone_running_ = true;
    else ++running_;
    std::string text = key.controller + '\t' + key.key + '\n';
    write_slot(slot, text);
}

void CrashRecord::end(int slot, const ReconcileKey& key, bool alone) {
    write_slot(slot, {});
    if (alone) {
        alone_running_ = false;
        if (history_.survived(key)) persist_or_warn();
    } else {
        --running_;
    }
    if (alone || (running_ == 0 && alone_waiting_ > 0)) changed_.cancel();
}

void CrashRecord::clear() {
    if (slots_ == 0) return;
    if (::ftruncate(fd_, 0) != 0 ||
        ::ftruncate(fd_, static_cast<off_t>(slots_) * static_cast<off_t>(slot_size)) != 0)
        log_.warn("could not clear the in-flight record", {{"dir", dir_}, {"error", errno_text()}});
}

void CrashRecord::write_slot(int slot, std::string_view text) {
    // The text and the NUL that ends it, in one write: a slot is read up to
    // its first NUL and only as a whole line.
    char buffer[slot_size];
    std::size_t length = std::min(text.size(), slot_size - 2);
    if (length > 0) std::memcpy(buffer, text.data(), length);  // an empty view's data() may be null
    if (length > 0 && buffer[length - 1] != '\n') buffer[length++] = '\n';
    buffer[length++] = '\0';
    const off_t offset = static_cast<off_t>(slot) * static_cast<off_t>(slot_size);
    ssize_t written;
    do {
        written = ::pwrite(fd_, buffer, length, offset);
    } while (written < 0 && errno == EINTR);
    if (written != static_cast<ssize_t>(length))
        log_.warn("could not write the in-flight record", {{"dir", dir_}, {"error", errno_text()}});
}

std::optional<std::string> CrashRecord::persist() {
    const std::string path = dir_ + "/" + history_name;
    const std::string temporary = path + ".new";
    const std::string text = history_.serialize();
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    for (std::size_t done = 0; ok && done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    if (fd >= 0 && ::close(fd) != 0) ok = false;
    if (ok && ::rename(temporary.c_str(), path.c_str()) == 0) return {};
    return "crash record: write " + path + ": " + errno_text();
}

void CrashRecord::persist_or_warn() {
    // After start, one lost write only weakens the record: the process goes on.
    if (auto error = persist()) log_.warn("could not write the crash history", {{"error", *error}});
}

} // namespace labfleet::kube
