#pragma once
// Client: the abstract connection to an API server. Controllers and the
// runtime see only this; kube/net implements it over HTTPS, tests implement it
// in memory. Everything runs on one io_context thread: no method is called
// concurrently with another on the same object from two threads.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "kube/client/request.hpp"
#include "kube/client/result.hpp"

namespace labfleet::kube {

namespace asio = boost::asio;

struct HttpResponse {
    int status = 0;
    std::string body;
};

/// A watch response body being read: one JSON watch event per line.
class WatchStream {
public:
    virtual ~WatchStream() = default;
    /// The next event line; nullopt when the server ended the stream cleanly.
    /// A stream silent for longer than its idle timeout ends with
    /// ErrorReason::Timeout, so a dead connection never hangs a watcher.
    virtual asio::awaitable<Result<std::optional<std::string>>> next_line() = 0;
};

class Client {
public:
    virtual ~Client() = default;
    /// Sends one request; a non-2xx answer is returned as an ApiError.
    virtual asio::awaitable<Result<HttpResponse>> send(HttpRequest request) = 0;
    /// Opens a streaming request (watch); a non-2xx answer is an ApiError.
    virtual asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(
        HttpRequest request, std::chrono::milliseconds idle_timeout) = 0;
};

} // namespace labfleet::kube
