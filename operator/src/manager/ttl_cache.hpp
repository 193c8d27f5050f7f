#pragma once
// TtlCache: a small map whose entries expire, bounded in size (the least
// recently used entry goes first when full). It remembers the answers of
// TokenReviews and SubjectAccessReviews, so a scrape every few seconds does
// not cost two API calls each time. Single-threaded (the manager's
// io_context thread); time comes from an injected Clock.

#include <cassert>
#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "kube/util/clock.hpp"

namespace labfleet::manager {

template <class Value>
class TtlCache {
public:
    /// `max_entries` > 0: the cache never holds more.
    TtlCache(const kube::Clock& clock, std::size_t max_entries) : clock_(clock), max_entries_(max_entries) {
        assert(max_entries_ > 0);
    }

    /// The value stored under `key`, if it has not expired; an expired entry is dropped.
    std::optional<Value> get(const std::string& key) {
        const auto found = index_.find(key);
        if (found == index_.end()) return std::nullopt;
        if (clock_.steady_now() >= found->second->expires) {
            entries_.erase(found->second);
            index_.erase(found);
            return std::nullopt;
        }
        entries_.splice(entries_.begin(), entries_, found->second);
        return found->second->value;
    }

    /// Stores `value` under `key` for `ttl` (a zero or negative ttl stores nothing).
    void put(const std::string& key, Value value, std::chrono::nanoseconds ttl) {
        if (ttl <= std::chrono::nanoseconds::zero()) return;
        const auto expires = clock_.steady_now() + ttl;
        if (const auto found = index_.find(key); found != index_.end()) {
            found->second->value = std::move(value);
            found->second->expires = expires;
            entries_.splice(entries_.begin(), entries_, found->second);
            return;
        }
        if (entries_.size() >= max_entries_) evict_one();
        entries_.push_front(Entry{key, std::move(value), expires});
        index_.emplace(key, entries_.begin());
    }

    std::size_t size() const { return entries_.size(); }

private:
    struct Entry {
        std::string key;
        Value value;
        kube::MonoTime expires;
    };

    /// Drops the least recently used expired entry if there is one, else the least recently used entry.
    void evict_one() {
        const auto now = clock_.steady_now();
        auto victim = std::prev(entries_.end());
        for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
            if (now >= it->expires) {
                victim = std::prev(it.base());
                break;
            }
        index_.erase(victim->key);
        entries_.erase(victim);
    }

    const kube::Clock& clock_;
    std::size_t max_entries_;
    std::list<Entry> entries_;  // most recently used first
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
};

} // namespace labfleet::manager
