#include "kube/controller/expectations.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

namespace labfleet::kube {

namespace {

std::optional<std::uint64_t> as_number(std::string_view text) {
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc{} || stop != end) return std::nullopt;
    return value;
}

} // namespace

bool write_observed(const std::string* cached, std::string_view replaced, std::string_view written) {
    if (cached == nullptr) return true;
    if (!written.empty() && *cached == written) return true;
    const auto cached_number = as_number(*cached);
    const auto written_number = as_number(written);
    if (cached_number && written_number) return *cached_number >= *written_number;
    return *cached != replaced;
}

Expectations::Expectations(const Clock& clock, ExpectationsOptions options) : clock_(clock), options_(options) {}

void Expectations::expect_update(const std::string& key, const Store& store, ObjectKey object, std::string replaced,
                                 std::string written) {
    by_key_[key].push_back(
        Write{&store, std::move(object), std::move(replaced), std::move(written), clock_.steady_now() + options_.timeout});
}

void Expectations::expect_create(const std::string& key, const Store& store, ObjectKey object) {
    by_key_[key].push_back(Write{&store, std::move(object), {}, {}, clock_.steady_now() + options_.timeout, true});
}

bool Expectations::observed(const Write& write) {
    const std::string* cached = write.store->version_of(write.object);
    if (write.created) return cached != nullptr;
    return write_observed(cached, write.replaced, write.written);
}

void Expectations::drop_observed(const std::string& key, const ObjectKey& object) {
    const auto found = by_key_.find(key);
    if (found == by_key_.end()) return;
    std::erase_if(found->second, [&object](const Write& write) { return write.object == object && observed(write); });
    if (found->second.empty()) by_key_.erase(found);
}

Expectations::Check Expectations::check(const std::string& key) {
    const auto found = by_key_.find(key);
    if (found == by_key_.end()) return {};
    auto& writes = found->second;
    std::erase_if(writes, observed);
    if (writes.empty()) {
        by_key_.erase(found);
        return {};
    }
    const MonoTime now = clock_.steady_now();
    const auto first_deadline = std::min_element(writes.begin(), writes.end(), [](const Write& a, const Write& b) {
                                    return a.deadline < b.deadline;
                                })->deadline;
    if (now < first_deadline)
        return {Check::State::Waiting, std::chrono::ceil<std::chrono::milliseconds>(first_deadline - now), {}};
    Check out{Check::State::TimedOut, std::chrono::milliseconds{0}, {}};
    for (const Write& write : writes)
        if (std::find(out.unobserved.begin(), out.unobserved.end(), write.object) == out.unobserved.end())
            out.unobserved.push_back(write.object);
    return out;
}

} // namespace labfleet::kube
