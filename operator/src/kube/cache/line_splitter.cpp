#include "kube/cache/line_splitter.hpp"

#include <utility>

namespace labfleet::kube {

void LineSplitter::abandon() {
    pending_.clear();
    scanned_ = 0;
    finished_ = true;
}

std::optional<std::string> LineSplitter::next() {
    for (;;) {
        const std::size_t newline = pending_.find('\n', scanned_);
        if (newline == std::string::npos) break;
        std::string line = pending_.substr(0, newline);
        pending_.erase(0, newline + 1);
        scanned_ = 0;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) return line;
    }
    scanned_ = pending_.size();
    if (!finished_ || pending_.empty()) return std::nullopt;
    std::string last = std::exchange(pending_, {});
    scanned_ = 0;
    return last;
}

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r\n") == std::string_view::npos; }

} // namespace labfleet::kube
