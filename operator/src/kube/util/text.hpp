#pragma once
// Text: cutting strings to a byte limit the API server enforces, without
// leaving half a UTF-8 sequence behind (which it would refuse as invalid).

#include <cstddef>
#include <string>
#include <string_view>

namespace labfleet::kube {

/// `text` cut to at most `limit` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string_view text, std::size_t limit);

/// `text` when it fits in `limit` bytes; otherwise cut (truncate_utf8) so
/// that it ends in `marker` and still fits, so a reader sees it was cut.
std::string truncate_utf8_marked(std::string_view text, std::size_t limit, std::string_view marker = "…");

} // namespace labfleet::kube
