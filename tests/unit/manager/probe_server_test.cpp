#include "manager/probe_server.hpp"

#include <atomic>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

using namespace labfleet::manager;
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

/// A server on 127.0.0.1:0 running on its own thread for the test's duration.
struct RunningServer {
    asio::io_context io;
    ProbeServer server{io.get_executor(), "127.0.0.1:0"};
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

    std::pair<int, std::string> get(const std::string& target) {
        asio::io_context client_io;
        asio::ip::tcp::socket socket(client_io);
        socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
        http::request<http::empty_body> request{http::verb::get, target, 11};
        request.set(http::field::host, "localhost");
        request.keep_alive(false);
        http::write(socket, request);
        boost::beast::flat_buffer buffer;
        http::response<http::string_body> response;
        http::read(socket, buffer, response);
        return {response.result_int(), response.body()};
    }
};

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
