#pragma once
// run_coroutine: runs one awaitable on a test's io_context to completion (or
// a deadline) and returns its value, so tests read like straight-line code.

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace labfleet::testing {

namespace detail {
// co_spawn needs a default-constructible result; Result<T> is not.
template <class T>
boost::asio::awaitable<std::optional<T>> wrap_optional(boost::asio::awaitable<T> task) {
    co_return std::optional<T>(co_await std::move(task));
}
} // namespace detail

/// Runs `task` on `io` until it finishes; throws if it throws or does not
/// finish within `limit` (a hung test fails instead of hanging).
template <class T>
T run_coroutine(boost::asio::io_context& io, boost::asio::awaitable<T> task,
                std::chrono::milliseconds limit = std::chrono::seconds{10}) {
    std::optional<T> result;
    std::exception_ptr error;
    bool finished = false;
    boost::asio::co_spawn(io, detail::wrap_optional(std::move(task)),
                          [&](std::exception_ptr e, std::optional<T> value) {
                              error = e;
                              result = std::move(value);
                              finished = true;
                              io.stop();
                          });
    io.restart();
    io.run_for(limit);
    io.restart();
    if (error) std::rethrow_exception(error);
    if (!finished || !result) throw std::runtime_error("run_coroutine: task did not finish in time");
    return std::move(*result);
}

} // namespace labfleet::testing
