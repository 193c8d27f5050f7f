#include "kube/net/https_client.hpp"
#include "kube/client/retrying_client.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "support/fake_api_server.hpp"
#include "support/run_coroutine.hpp"

namespace {

using namespace std::chrono_literals;
using labfleet::kube::ApiError;
using labfleet::kube::Client;
using labfleet::kube::ClusterConfig;
using labfleet::kube::ErrorReason;
using labfleet::kube::HttpRequest;
using labfleet::kube::HttpResponse;
using labfleet::kube::Method;
using labfleet::kube::Result;
using labfleet::kube::RetryingClient;
using labfleet::kube::net::HttpsClient;
using labfleet::kube::net::HttpsClientOptions;
using labfleet::testing::FakeApiServer;
using labfleet::testing::FakeReply;
using labfleet::testing::run_coroutine;
using labfleet::testing::test_pki;
namespace asio = boost::asio;

const HttpRequest get_config_map{Method::Get, "/api/v1/namespaces/default/configmaps/a", "", ""};
const HttpRequest create_config_map{Method::Post, "/api/v1/namespaces/default/configmaps", "application/json",
                                    R"({"metadata":{"name":"a"}})"};
const HttpRequest watch_config_maps{Method::Get, "/api/v1/configmaps?watch=1", "", ""};

ClusterConfig config_for(const FakeApiServer& server) {
    ClusterConfig config;
    config.server = server.url();
    config.token = "t0k3n";
    config.source = "test";
    return config;
}

HttpsClientOptions fast_options() {
    HttpsClientOptions options;
    options.connect_timeout = 1s;
    options.handshake_timeout = 1s;
    options.request_timeout = 1s;
    return options;
}

std::string status_body(int code, const std::string& reason, const std::string& message) {
    return R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":")" + reason + R"(","message":")" +
           message + R"(","code":)" + std::to_string(code) + "}";
}

asio::awaitable<std::vector<Result<HttpResponse>>> send_all(Client* client, std::vector<HttpRequest> requests) {
    std::vector<Result<HttpResponse>> results;
    for (auto& request : requests) results.push_back(co_await client->send(request));
    co_return results;
}

/// Everything a watch stream yielded until it ended or failed.
struct StreamOutcome {
    std::vector<std::string> lines;
    std::optional<ApiError> error;
    bool ended = false;
};

asio::awaitable<StreamOutcome> read_stream(Client* client, HttpRequest request, std::chrono::milliseconds idle) {
    StreamOutcome outcome;
    auto stream = co_await client->stream(request, idle);
    if (!stream) {
        outcome.error = stream.error();
        co_return outcome;
    }
    for (;;) {
        auto line = co_await (*stream)->next_line();
        if (!line) {
            outcome.error = line.error();
            co_return outcome;
        }
        if (!*line) {
            outcome.ended = true;
            co_return outcome;
        }
        outcome.lines.push_back(**line);
    }
}

/// Opens a watch, destroys the client that opened it, then reads the watch.
asio::awaitable<StreamOutcome> read_stream_without_client(ClusterConfig config, asio::any_io_executor executor) {
    auto client = std::make_unique<HttpsClient>(config, executor, fast_options());
    auto stream = co_await client->stream(watch_config_maps, std::chrono::seconds{1});
    client.reset();
    StreamOutcome outcome;
    if (!stream) {
        outcome.error = stream.error();
        co_return outcome;
    }
    for (;;) {
        auto line = co_await (*stream)->next_line();
        if (!line || !*line) {
            if (!line) outcome.error = line.error();
            outcome.ended = line.ok();
            co_return outcome;
        }
        outcome.lines.push_back(**line);
    }
}

/// A loopback port nobody listens on.
unsigned short closed_port(asio::io_context& io) {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

struct TempFile {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("labfleet-token-" + std::to_string(::getpid()) + "-" +
                                  std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    ~TempFile() { std::filesystem::remove(path); }
    void write(const std::string& text) const { std::ofstream(path, std::ios::trunc) << text; }
};

} // namespace

TEST_CASE("HttpsClient sends a request and returns the response", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    server.push(FakeReply::json(200, R"({"kind":"ConfigMap"})"));
    server.push(FakeReply::json(201, R"({"kind":"ConfigMap","metadata":{"name":"a"}})"));
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    auto results = run_coroutine(io, send_all(&client, {get_config_map, create_config_map}));

    REQUIRE(results.size() == 2);
    REQUIRE(results[0].ok());
    CHECK(results[0]->status == 200);
    CHECK(results[0]->body == R"({"kind":"ConfigMap"})");
    REQUIRE(results[1].ok());
    CHECK(results[1]->status == 201);
    REQUIRE(server.requests().size() == 2);
    CHECK(server.requests()[0].method == "GET");
    CHECK(server.requests()[0].target == get_config_map.target);
    CHECK(server.requests()[0].authorization == "Bearer t0k3n");
    CHECK(server.requests()[1].method == "POST");
    CHECK(server.requests()[1].body == create_config_map.body);
    CHECK(server.requests()[1].content_type == "application/json");
}

TEST_CASE("HttpsClient prefixes the server URL's path", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    server.push(FakeReply::json(200, "{}"));
    auto config = config_for(server);
    config.server += "/k8s/clusters/c1/";
    HttpsClient client(config, io.get_executor(), fast_options());

    auto result = run_coroutine(io, client.send(get_config_map));

    REQUIRE(result.ok());
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].target == "/k8s/clusters/c1" + get_config_map.target);
}

TEST_CASE("HttpsClient reuses a kept-alive connection", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    server.set_handler([](const auto&) { return FakeReply::json(200, "{}"); });
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    auto results = run_coroutine(io, send_all(&client, {get_config_map, get_config_map, create_config_map}));

    for (const auto& result : results) CHECK(result.ok());
    CHECK(server.requests().size() == 3);
    CHECK(server.connections_accepted() == 1);
    CHECK(client.connections_opened() == 1);
    CHECK(client.idle_connections() == 1);
}

TEST_CASE("HttpsClient does not reuse a connection the server closed while idle", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    auto closing = FakeReply::json(200, "{}");
    closing.close_after = true;
    server.push(closing);
    server.push(FakeReply::json(200, R"({"second":true})"));
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    auto results = run_coroutine(io, send_all(&client, {get_config_map, get_config_map}));

    REQUIRE(results[1].ok());
    CHECK(results[1]->body == R"({"second":true})");
    CHECK(server.connections_accepted() == 2);
}

TEST_CASE("HttpsClient makes one attempt: a pooled connection that broke is reported, not resent", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    server.push(FakeReply::json(200, "{}"));
    server.push(FakeReply::of(FakeReply::Kind::CloseWithoutAnswer));
    server.push(FakeReply::json(200, R"({"retried":true})"));
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    SECTION("alone, even a GET fails") {
        auto results = run_coroutine(io, send_all(&client, {get_config_map, get_config_map}));
        REQUIRE_FALSE(results[1].ok());
        CHECK(results[1].error().reason == ErrorReason::Transport);
        CHECK(server.requests().size() == 2);
    }
    SECTION("under RetryingClient, a GET is sent again on a fresh connection") {
        RetryingClient retrying(client);
        auto results = run_coroutine(io, send_all(&retrying, {get_config_map, get_config_map}));
        REQUIRE(results[1].ok());
        CHECK(results[1]->body == R"({"retried":true})");
        CHECK(server.requests().size() == 3);
        CHECK(server.connections_accepted() == 2);
    }
    SECTION("under RetryingClient, a POST is not sent twice") {
        RetryingClient retrying(client);
        auto results = run_coroutine(io, send_all(&retrying, {get_config_map, create_config_map}));
        REQUIRE_FALSE(results[1].ok());
        CHECK(results[1].error().reason == ErrorReason::Transport);
        CHECK(server.requests().size() == 2);
    }
}

TEST_CASE("HttpsClient returns a 429 at once, with its Retry-After", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    auto throttled = FakeReply::json(429, status_body(429, "TooManyRequests", "slow down"));
    throttled.headers.push_back({"Retry-After", "1"});
    server.push(throttled);
    server.push(FakeReply::json(200, R"({"ok":1})"));
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    SECTION("alone: one attempt") {
        auto result = run_coroutine(io, client.send(get_config_map));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::TooManyRequests);
        REQUIRE(result.error().retry_after.has_value());
        CHECK(*result.error().retry_after == 1s);
        CHECK(server.requests().size() == 1);
    }
    SECTION("under RetryingClient: resent after the capped Retry-After") {
        labfleet::kube::RetryPolicy policy;
        policy.max_retry_after = 150ms;
        RetryingClient retrying(client, policy);
        const auto start = std::chrono::steady_clock::now();
        auto result = run_coroutine(io, retrying.send(get_config_map));
        const auto elapsed = std::chrono::steady_clock::now() - start;
        REQUIRE(result.ok());
        CHECK(result->body == R"({"ok":1})");
        CHECK(server.requests().size() == 2);
        CHECK(elapsed >= 140ms);
        CHECK(elapsed < 1s);
    }
}

TEST_CASE("HttpsClient maps error statuses to ApiError", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    SECTION("500") {
        server.push(FakeReply::json(500, status_body(500, "InternalError", "etcd is sad")));
        auto result = run_coroutine(io, client.send(get_config_map));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::ServerError);
        CHECK(result.error().http_status == 500);
        CHECK(result.error().message == "etcd is sad");
        CHECK(server.requests().size() == 1);
    }
    SECTION("404 with a non-JSON body") {
        server.push(FakeReply::json(404, "not here"));
        auto result = run_coroutine(io, client.send(get_config_map));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::NotFound);
    }
}

TEST_CASE("HttpsClient times out when the server never answers", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    server.push(FakeReply::of(FakeReply::Kind::NoAnswer));
    auto options = fast_options();
    options.request_timeout = 200ms;
    HttpsClient client(config_for(server), io.get_executor(), options);

    const auto start = std::chrono::steady_clock::now();
    auto result = run_coroutine(io, client.send(get_config_map));
    const auto elapsed = std::chrono::steady_clock::now() - start;

    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == ErrorReason::Timeout);
    CHECK(result.error().message == "read response: no progress for 200 ms");
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 2s);
}

TEST_CASE("HttpsClient reports a refused connection as a transport error", "[kube][net]") {
    asio::io_context io;
    ClusterConfig config;
    config.server = "http://127.0.0.1:" + std::to_string(closed_port(io));
    HttpsClient client(config, io.get_executor(), fast_options());

    auto result = run_coroutine(io, client.send(get_config_map));

    REQUIRE_FALSE(result.ok());
    CHECK(result.error().reason == ErrorReason::Transport);
    CHECK_THAT(result.error().message, Catch::StartsWith("connect: 127.0.0.1:"));
    CHECK(result.error().retryable());
}

TEST_CASE("HttpsClient rejects an unusable server URL at construction", "[kube][net]") {
    asio::io_context io;
    ClusterConfig config;
    config.server = "ftp://example.com";
    CHECK_THROWS_AS(HttpsClient(config, io.get_executor()), std::invalid_argument);
    config.server = "https://127.0.0.1:6443";
    config.ca_pem = "not a certificate";
    CHECK_THROWS_AS(HttpsClient(config, io.get_executor()), std::invalid_argument);
}

TEST_CASE("HttpsClient re-reads the token file periodically and when asked after a 401", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    TempFile token;
    token.write("first\n");
    auto config = config_for(server);
    config.token = "";
    config.token_file = token.path.string();
    labfleet::kube::FakeClock clock;
    auto options = fast_options();
    options.clock = &clock;
    HttpsClient client(config, io.get_executor(), options);
    RetryingClient retrying(client, {}, [&client] { return client.reload_credentials(); });
    server.set_handler([](const auto&) { return FakeReply::json(200, "{}"); });

    REQUIRE(run_coroutine(io, client.send(get_config_map)).ok());
    CHECK(server.requests().back().authorization == "Bearer first");

    SECTION("not re-read within the refresh interval, re-read after it") {
        token.write("second");
        clock.advance(30s);
        REQUIRE(run_coroutine(io, client.send(get_config_map)).ok());
        CHECK(server.requests().back().authorization == "Bearer first");
        clock.advance(31s);
        REQUIRE(run_coroutine(io, client.send(get_config_map)).ok());
        CHECK(server.requests().back().authorization == "Bearer second");
    }
    SECTION("reload_credentials says whether the token changed") {
        CHECK_FALSE(client.reload_credentials());
        token.write("rotated");
        CHECK(client.reload_credentials());
        CHECK_FALSE(client.reload_credentials());
    }
    SECTION("under RetryingClient, a 401 re-reads it at once and resends once") {
        token.write("rotated");
        server.push(FakeReply::json(401, status_body(401, "Unauthorized", "Unauthorized")));
        auto result = run_coroutine(io, retrying.send(get_config_map));
        REQUIRE(result.ok());
        REQUIRE(server.requests().size() == 3);
        CHECK(server.requests()[1].authorization == "Bearer first");
        CHECK(server.requests()[2].authorization == "Bearer rotated");
    }
    SECTION("under RetryingClient, a 401 with an unchanged token is returned") {
        server.push(FakeReply::json(401, status_body(401, "Unauthorized", "Unauthorized")));
        auto result = run_coroutine(io, retrying.send(get_config_map));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::Unauthorized);
        CHECK(server.requests().size() == 2);
    }
}

TEST_CASE("HttpsClient stream splits a chunked body into lines", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    auto reply = FakeReply::chunked({R"({"type":"ADDED"})" "\n" R"({"type":)", R"("MODIFIED"})" "\r\n\n" R"({"ty)",
                                     R"(pe":"DELETED"})", "\n"});
    reply.chunk_interval = 5ms;
    server.push(reply);
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    auto outcome = run_coroutine(io, read_stream(&client, watch_config_maps, 1s));

    CHECK_FALSE(outcome.error.has_value());
    CHECK(outcome.ended);
    CHECK(outcome.lines == std::vector<std::string>{R"({"type":"ADDED"})", R"({"type":"MODIFIED"})",
                                                    R"({"type":"DELETED"})"});
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].target == watch_config_maps.target);
    CHECK(client.idle_connections() == 0);
}

TEST_CASE("HttpsClient stream reads a close-delimited body to its end", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    auto reply = FakeReply::of(FakeReply::Kind::CloseDelimited);
    reply.chunks = {"one\ntw", "o\nthree"};
    server.push(reply);
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    auto outcome = run_coroutine(io, read_stream(&client, watch_config_maps, 1s));

    CHECK_FALSE(outcome.error.has_value());
    CHECK(outcome.ended);
    CHECK(outcome.lines == std::vector<std::string>{"one", "two", "three"});
}

TEST_CASE("HttpsClient stream ends with Timeout when the server goes silent", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    server.push(FakeReply::chunked({"{\"a\":1}\n"}, /*end_stream=*/false));
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    const auto start = std::chrono::steady_clock::now();
    auto outcome = run_coroutine(io, read_stream(&client, watch_config_maps, 200ms));
    const auto elapsed = std::chrono::steady_clock::now() - start;

    CHECK(outcome.lines == std::vector<std::string>{"{\"a\":1}"});
    CHECK_FALSE(outcome.ended);
    REQUIRE(outcome.error.has_value());
    CHECK(outcome.error->reason == ErrorReason::Timeout);
    CHECK(outcome.error->message == "read watch stream: no progress for 200 ms");
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 2s);
}

TEST_CASE("HttpsClient stream fails on an error status or a cut-off body", "[kube][net]") {
    asio::io_context io;
    FakeApiServer server(io.get_executor());
    HttpsClient client(config_for(server), io.get_executor(), fast_options());

    SECTION("410 Gone") {
        server.push(FakeReply::json(410, status_body(410, "Expired", "too old resource version")));
        auto outcome = run_coroutine(io, read_stream(&client, watch_config_maps, 1s));
        REQUIRE(outcome.error.has_value());
        CHECK(outcome.error->reason == ErrorReason::Gone);
        CHECK(outcome.error->message == "too old resource version");
    }
    SECTION("connection closed inside a chunked body") {
        auto reply = FakeReply::chunked({"{\"a\":1}\n{\"b\""}, /*end_stream=*/false);
        reply.close_after = true;
        server.push(reply);
        auto outcome = run_coroutine(io, read_stream(&client, watch_config_maps, 300ms));
        CHECK(outcome.lines == std::vector<std::string>{"{\"a\":1}"});
        CHECK_FALSE(outcome.ended);
        REQUIRE(outcome.error.has_value());
        CHECK(outcome.error->reason == ErrorReason::Transport);
        CHECK_THAT(outcome.error->message, Catch::StartsWith("read watch stream: "));
    }
}

TEST_CASE("HttpsClient verifies the server certificate and host name", "[kube][net][tls]") {
    asio::io_context io;
    const auto& pki = test_pki();
    FakeApiServer server(io.get_executor(), &pki.server);
    server.set_handler([](const auto&) { return FakeReply::json(200, R"({"tls":true})"); });
    auto config = config_for(server);
    REQUIRE(config.server.rfind("https://127.0.0.1:", 0) == 0);

    SECTION("the right CA succeeds, verifying IP 127.0.0.1") {
        config.ca_pem = pki.ca_pem;
        HttpsClient client(config, io.get_executor(), fast_options());
        auto results = run_coroutine(io, send_all(&client, {get_config_map, get_config_map}));
        REQUIRE(results[0].ok());
        CHECK(results[0]->body == R"({"tls":true})");
        CHECK(results[1].ok());
        CHECK(server.connections_accepted() == 1);
    }
    SECTION("a wrong CA fails with a clear message") {
        config.ca_pem = pki.other_ca_pem;
        HttpsClient client(config, io.get_executor(), fast_options());
        auto result = run_coroutine(io, client.send(get_config_map));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().reason == ErrorReason::Transport);
        CHECK_THAT(result.error().message, Catch::StartsWith("tls handshake: certificate verify failed: ") &&
                                               Catch::Contains("unable to get local issuer certificate"));
        CHECK(server.requests().empty());
    }
    SECTION("a server name the certificate does not carry fails") {
        config.ca_pem = pki.ca_pem;
        config.tls_server_name = "api.example.com";
        HttpsClient client(config, io.get_executor(), fast_options());
        auto result = run_coroutine(io, client.send(get_config_map));
        REQUIRE_FALSE(result.ok());
        CHECK_THAT(result.error().message, Catch::Contains("certificate verify failed") &&
                                               Catch::Contains("hostname mismatch"));
    }
    SECTION("the certificate's DNS name passes when named explicitly") {
        config.ca_pem = pki.ca_pem;
        config.tls_server_name = "localhost";
        HttpsClient client(config, io.get_executor(), fast_options());
        CHECK(run_coroutine(io, client.send(get_config_map)).ok());
    }
    SECTION("insecure_skip_tls_verify accepts any certificate, only when set") {
        config.ca_pem = pki.other_ca_pem;
        config.insecure_skip_tls_verify = true;
        HttpsClient client(config, io.get_executor(), fast_options());
        CHECK(run_coroutine(io, client.send(get_config_map)).ok());
    }
    SECTION("a TLS watch stream is read too") {
        config.ca_pem = pki.ca_pem;
        server.push(FakeReply::chunked({"x\ny", "\n"}));
        HttpsClient client(config, io.get_executor(), fast_options());
        auto outcome = run_coroutine(io, read_stream(&client, watch_config_maps, 1s));
        CHECK_FALSE(outcome.error.has_value());
        CHECK(outcome.lines == std::vector<std::string>{"x", "y"});
    }
    SECTION("a TLS watch stream outlives the client that opened it") {
        config.ca_pem = pki.ca_pem;
        auto reply = FakeReply::chunked({"x\n", "y\n"});
        reply.chunk_interval = 20ms;
        server.push(reply);
        auto outcome = run_coroutine(io, read_stream_without_client(config, io.get_executor()));
        CHECK_FALSE(outcome.error.has_value());
        CHECK(outcome.ended);
        CHECK(outcome.lines == std::vector<std::string>{"x", "y"});
    }
}
