#pragma once
// FakeApiServer: a loopback HTTP/1.1 server (plain or TLS) on port 0 for
// tests, answering each request from a script: full responses, chunked
// streams, silence, a closed connection, delays. It runs as coroutines on the
// test's io_context and records what it received.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace labfleet::testing {

/// How to answer one request.
struct FakeReply {
    enum class Kind {
        Full,                // status, headers, body with Content-Length
        Chunked,             // status, headers, then `chunks` as HTTP chunks
        CloseDelimited,      // status, headers, `chunks` raw, then close (no length)
        NoAnswer,            // read the request, then stay silent
        CloseWithoutAnswer,  // read the request, then close the connection
    };
    Kind kind = Kind::Full;
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds delay{0};  // before answering
    std::vector<std::string> chunks;
    std::chrono::milliseconds chunk_interval{0};
    bool end_stream = true;    // Chunked: send the terminating chunk, else stay silent (or close)
    bool close_after = false;  // close the connection after answering, without saying so

    static FakeReply json(int status, std::string body) {
        FakeReply reply;
        reply.status = status;
        reply.body = std::move(body);
        reply.headers = {{"Content-Type", "application/json"}};
        return reply;
    }
    static FakeReply chunked(std::vector<std::string> chunks, bool end_stream = true) {
        FakeReply reply;
        reply.kind = Kind::Chunked;
        reply.chunks = std::move(chunks);
        reply.end_stream = end_stream;
        return reply;
    }
    static FakeReply of(Kind kind) {
        FakeReply reply;
        reply.kind = kind;
        return reply;
    }
};

/// What the server received.
struct RecordedRequest {
    std::string method;
    std::string target;
    std::string body;
    std::string authorization;
    std::string content_type;
    std::size_t connection = 0;  // 1-based index of the connection it came on
};

/// PEM files for a TLS server: its certificate chain and key.
struct ServerTls {
    std::string cert_pem;
    std::string key_pem;
};

class FakeApiServer {
public:
    /// Listens on 127.0.0.1:0; TLS when `tls` is given.
    explicit FakeApiServer(boost::asio::any_io_executor executor, const ServerTls* tls = nullptr);
    ~FakeApiServer();
    FakeApiServer(const FakeApiServer&) = delete;
    FakeApiServer& operator=(const FakeApiServer&) = delete;

    /// "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
    std::string url() const;
    unsigned short port() const;

    /// Queues the answer to the next unanswered request (FIFO).
    void push(FakeReply reply);
    /// Answers requests when the queue is empty (default: 404 Status).
    void set_handler(std::function<FakeReply(const RecordedRequest&)> handler);

    const std::vector<RecordedRequest>& requests() const;
    std::size_t connections_accepted() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

/// Test certificates made with OpenSSL at run time: a CA, a server
/// certificate it signed for IP 127.0.0.1 and DNS localhost, and an unrelated CA.
struct TestPki {
    std::string ca_pem;
    std::string other_ca_pem;
    ServerTls server;
};
const TestPki& test_pki();

} // namespace labfleet::testing
