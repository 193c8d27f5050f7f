#pragma once
// Result<T>: a value or an ApiError (std::expected is C++23; this is the part
// of it we need).

#include <cassert>
#include <utility>
#include <variant>

#include "kube/client/api_error.hpp"

namespace labfleet::kube {

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(ApiError error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const ApiError& error() const { assert(!ok()); return std::get<1>(v_); }

private:
    std::variant<T, ApiError> v_;
};

/// Result of an operation with no value.
struct Done {};
using Status = Result<Done>;

} // namespace labfleet::kube
