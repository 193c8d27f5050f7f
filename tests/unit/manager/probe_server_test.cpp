#include "manager/probe_server.hpp"

#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <catch2/catch.hpp>

#include <openssl/pem.h>

using namespace labfleet::manager;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;

namespace {

/// A server on 127.0.0.1:0 running on its own thread for the test's duration.
struct RunningServer {
    explicit RunningServer(std::optional<ServingCert> tls = std::nullopt)
        : server(io.get_executor(), "127.0.0.1:0", std::move(tls)) {}

    asio::io_context io;
    ProbeServer server;
    std::thread thread;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};

    void start() {
        server.start();
        thread = std::thread([this] { io.run(); });
    }
    ~RunningServer() {
        asio::post(io, [this] { server.stop(); work.reset(); });
        thread.join();
    }

    asio::ip::tcp::endpoint endpoint() const { return {asio::ip::make_address("127.0.0.1"), server.port()}; }

    static http::request<http::empty_body> request_for(const std::string& target, const std::string& authorization) {
        http::request<http::empty_body> request{http::verb::get, target, 11};
        request.set(http::field::host, "localhost");
        if (!authorization.empty()) request.set(http::field::authorization, authorization);
        request.keep_alive(false);
        return request;
    }

    std::pair<int, std::string> get(const std::string& target, const std::string& authorization = "") {
        asio::io_context client_io;
        asio::ip::tcp::socket socket(client_io);
        socket.connect(endpoint());
        http::write(socket, request_for(target, authorization));
        boost::beast::flat_buffer buffer;
        http::response<http::string_body> response;
        http::read(socket, buffer, response);
        return {response.result_int(), response.body()};
    }

    /// GET over TLS without verifying the server (as insecureSkipVerify);
    /// also returns the certificate the server presented, as PEM.
    std::tuple<int, std::string, std::string> get_tls(const std::string& target, const std::string& authorization = "") {
        asio::io_context client_io;
        ssl::context context(ssl::context::tls_client);
        context.set_verify_mode(ssl::verify_none);
        beast::ssl_stream<beast::tcp_stream> stream(client_io, context);
        beast::get_lowest_layer(stream).connect(endpoint());
        stream.handshake(ssl::stream_base::client);
        std::string presented;
        if (X509* peer = SSL_get1_peer_certificate(stream.native_handle())) {
            BIO* bio = BIO_new(BIO_s_mem());
            PEM_write_bio_X509(bio, peer);
            char* data = nullptr;
            const long size = BIO_get_mem_data(bio, &data);
            presented.assign(data, static_cast<std::size_t>(size));
            BIO_free(bio);
            X509_free(peer);
        }
        http::write(stream, request_for(target, authorization));
        boost::beast::flat_buffer buffer;
        http::response<http::string_body> response;
        http::read(stream, buffer, response);
        return {response.result_int(), response.body(), presented};
    }
};

/// A guard that knows one token: "Bearer good" may read, "Bearer other" is
/// known but not allowed, anything else is not authenticated.
asio::awaitable<GuardAnswer> check_token(GuardRequest request) {
    if (request.authorization == "Bearer good" && request.method == "GET" && request.path == "/metrics") co_return GuardAnswer{};
    if (request.authorization == "Bearer other") co_return GuardAnswer{403, "Authorization denied for user other"};
    co_return GuardAnswer{401, "Unauthorized"};
}

} // namespace

TEST_CASE("probe server answers healthz, readyz and metrics with named checks") {
    RunningServer running;
    std::atomic<bool> synced{false};
    running.server.serve_metrics([] { return std::string("labfleet_up 1\n"); });
    running.server.add_healthz({"ping", [] { return std::optional<std::string>{}; }});
    running.server.add_readyz({"informers-synced", [&synced]() -> std::optional<std::string> {
                                   if (synced) return std::nullopt;
                                   return "workloads not synced";
                               }});
    running.start();

    CHECK(running.get("/healthz") == std::pair<int, std::string>{200, "ok"});
    CHECK(running.get("/metrics") == std::pair<int, std::string>{200, "labfleet_up 1\n"});

    auto [status, body] = running.get("/readyz");
    CHECK(status == 500);
    CHECK(body.find("[-]informers-synced failed: workloads not synced") != std::string::npos);

    synced = true;
    CHECK(running.get("/readyz").first == 200);
    auto verbose = running.get("/readyz?verbose");
    CHECK(verbose.second.find("[+]informers-synced ok") != std::string::npos);
    CHECK(running.get("/readyz/informers-synced").first == 200);
    CHECK(running.get("/nope").first == 404);
}

TEST_CASE("bind addresses") {
    CHECK(parse_bind_address(":8080") == std::make_pair(std::string("0.0.0.0"), static_cast<unsigned short>(8080)));
    CHECK(parse_bind_address("127.0.0.1:0") == std::make_pair(std::string("127.0.0.1"), static_cast<unsigned short>(0)));
    CHECK(parse_bind_address("[::1]:9") == std::make_pair(std::string("::1"), static_cast<unsigned short>(9)));
    CHECK_FALSE(parse_bind_address("8080"));
    CHECK_FALSE(parse_bind_address(":99999"));
    CHECK_FALSE(parse_bind_address(":http"));
    CHECK_THROWS_WITH(ProbeServer(asio::io_context().get_executor(), "localhost"),
                      Catch::Contains("expected host:port"));
}

TEST_CASE("a guard decides who reads /metrics, the probes stay open", "[manager][metrics-auth]") {
    RunningServer running;
    std::atomic<int> renders{0};
    running.server.serve_metrics(
        [&renders] {
            ++renders;
            return std::string("labfleet_up 1\n");
        },
        [](GuardRequest request) { return check_token(std::move(request)); });
    running.server.add_healthz({"ping", [] { return std::optional<std::string>{}; }});
    running.start();

    CHECK(running.get("/metrics") == std::pair<int, std::string>{401, "Unauthorized\n"});
    CHECK(running.get("/metrics", "Bearer other") == std::pair<int, std::string>{403, "Authorization denied for user other\n"});
    CHECK(renders == 0);  // nothing is rendered for a refused caller
    CHECK(running.get("/metrics?x=1", "Bearer good") == std::pair<int, std::string>{200, "labfleet_up 1\n"});
    CHECK(renders == 1);
    CHECK(running.get("/healthz") == std::pair<int, std::string>{200, "ok"});
}

TEST_CASE("an HTTPS server serves over TLS only, and takes a new certificate for new connections", "[manager][tls]") {
    const auto first = self_signed_serving_cert({"localhost", "127.0.0.1"});
    RunningServer running(first);
    CHECK(running.server.secure());
    running.server.serve_metrics([] { return std::string("labfleet_up 1\n"); },
                                 [](GuardRequest request) { return check_token(std::move(request)); });
    running.start();

    auto [status, body, presented] = running.get_tls("/metrics", "Bearer good");
    CHECK(status == 200);
    CHECK(body == "labfleet_up 1\n");
    CHECK(presented == first.cert_pem);
    CHECK(std::get<0>(running.get_tls("/metrics")) == 401);
    CHECK(std::get<0>(running.get_tls("/metrics", "Bearer other")) == 403);

    // Plain HTTP to the TLS port gets no HTTP answer; the server goes on serving.
    CHECK_THROWS(running.get("/metrics", "Bearer good"));
    CHECK(std::get<0>(running.get_tls("/metrics", "Bearer good")) == 200);

    const auto second = self_signed_serving_cert({"localhost"});
    const auto unrelated = self_signed_serving_cert({"localhost"});
    std::optional<std::string> swapped = std::string("not run");
    std::optional<std::string> refused;
    std::promise<void> done;
    asio::post(running.io, [&] {
        refused = running.server.set_serving_cert({second.cert_pem, unrelated.key_pem});
        swapped = running.server.set_serving_cert(second);
        done.set_value();
    });
    done.get_future().wait();
    CHECK_THAT(refused.value_or(""), Catch::StartsWith("serving key"));  // a key of another certificate
    CHECK_FALSE(swapped);
    CHECK(std::get<2>(running.get_tls("/metrics", "Bearer good")) == second.cert_pem);
}

TEST_CASE("a plain server has no certificate to replace, a bad one refuses to start", "[manager][tls]") {
    asio::io_context io;
    ProbeServer plain(io.get_executor(), "127.0.0.1:0");
    CHECK_FALSE(plain.secure());
    CHECK(plain.set_serving_cert(self_signed_serving_cert({"localhost"})).has_value());
    const auto cert = self_signed_serving_cert({"localhost"});
    CHECK_THROWS_WITH(ProbeServer(io.get_executor(), "127.0.0.1:0", ServingCert{cert.cert_pem, "garbage"}),
                      Catch::Contains("serving key"));
}
