#pragma once
// StatusBounds: how large a status Labfleet writes may grow, whatever the
// size of the fleet. A status the API server refuses (a condition message
// over metav1.Condition's 32768 bytes, an object over its request limit)
// is never written, and a lease whose grant cannot be written wedges every
// lease queued behind it. So every status field is bounded here, in one
// place each:
//   condition messages  set_condition (conditions.hpp) passes every message
//                       through bounded_message: at most
//                       max_condition_message_bytes, cut with a marker;
//   lists in messages   summarise: the first few, then "and N more";
//   lists in status     cap_list: the first max entries, and the count of all
//                       in a sibling field (assignmentCount, readyTargets).
// Events' notes are bounded by the event recorder (1 KiB, the API's limit).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace labfleet::controllers {

/// The longest condition message Labfleet writes, in bytes: an eighth of
/// metav1.Condition's maxLength (32768), room for a status of ten conditions.
inline constexpr std::size_t max_condition_message_bytes = 4096;

/// How many items a message names before it says how many more there are.
inline constexpr std::size_t max_named_in_message = 10;

/// `message` when it fits in max_condition_message_bytes; otherwise cut at a
/// UTF-8 boundary so that it ends in "…" and fits.
std::string bounded_message(std::string message);

/// The first `max_named` of `items` joined by `separator`, then " and N more"
/// for the rest: "api, web and 248 more". Empty for no items.
std::string summarise(const std::vector<std::string>& items, std::string_view separator = ", ",
                      std::size_t max_named = max_named_in_message);

/// Keeps the first `max` of `items` and returns how many there were.
template <class T>
std::int64_t cap_list(std::vector<T>& items, std::size_t max) {
    const auto total = static_cast<std::int64_t>(items.size());
    if (items.size() > max) items.resize(max);
    return total;
}

} // namespace labfleet::controllers
