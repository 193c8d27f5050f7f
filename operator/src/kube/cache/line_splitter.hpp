#pragma once
// LineSplitter: cuts a body that arrives in chunks (a watch response) into
// the lines the API server delimits its watch events with: '\n' ends a line,
// a trailing '\r' is dropped, empty lines are skipped, and a last line
// without '\n' is still delivered once the body has ended. Pure: the
// transport appends what it read, the watch loop takes lines.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace labfleet::kube {

class LineSplitter {
public:
    /// Adds the next bytes of the body.
    void append(std::string_view bytes) { pending_.append(bytes); }
    /// The body has ended: what is left becomes the last line.
    void finish() { finished_ = true; }
    /// Drops what is held and ends the body (after a failed read).
    void abandon();

    /// The next whole line; none when more bytes are needed or, once
    /// finished, when every line has been taken.
    std::optional<std::string> next();

    bool finished() const { return finished_; }
    /// Bytes held that do not yet end in '\n' (bounds a runaway line).
    std::size_t buffered() const { return pending_.size(); }

private:
    std::string pending_;
    std::size_t scanned_ = 0;  // pending_[0, scanned_) holds no '\n'
    bool finished_ = false;
};

/// True for a line of only whitespace, which carries no watch event.
bool is_blank(std::string_view line);

} // namespace labfleet::kube
