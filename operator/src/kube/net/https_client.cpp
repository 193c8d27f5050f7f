#include "kube/net/https_client.hpp"

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "kube/cache/line_splitter.hpp"

namespace labfleet::kube::net {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
/// Largest response body read into memory (a big list is tens of MiB).
constexpr std::uint64_t max_response_body = 512ull * 1024 * 1024;
/// Largest error body read from a failed watch request.
constexpr std::size_t max_error_body = 1024 * 1024;
/// Largest single watch event line (an object is at most ~1.5 MiB in etcd).
constexpr std::size_t max_watch_line = 16 * 1024 * 1024;
constexpr std::uint32_t max_response_header = 64 * 1024;

const SystemClock system_clock;

/// Where the API server is, parsed once from ClusterConfig::server.
struct Endpoint {
    bool tls = true;
    std::string host;         // "127.0.0.1", "::1", "api.example.com"
    std::string port;         // "6443"
    std::string host_header;  // "host:port" as written in the URL
    std::string base_path;    // a path prefix of the server URL, without trailing '/'
};

Endpoint parse_server(const ClusterConfig& config) {
    auto url = boost::urls::parse_uri(config.server);
    if (!url)
        throw std::invalid_argument("server \"" + config.server + "\" of " + config.source +
                                    " is not a URL: " + url.error().message());
    Endpoint endpoint;
    if (url->scheme() == "https") endpoint.tls = true;
    else if (url->scheme() == "http") endpoint.tls = false;
    else throw std::invalid_argument("server \"" + config.server + "\" of " + config.source + " is not http(s)");
    endpoint.host = url->host_address();
    if (endpoint.host.empty())
        throw std::invalid_argument("server \"" + config.server + "\" of " + config.source + " has no host");
    endpoint.port = url->has_port() ? std::string(url->port()) : (endpoint.tls ? "443" : "80");
    endpoint.host_header = url->encoded_host_and_port();
    endpoint.base_path = url->encoded_path();
    while (!endpoint.base_path.empty() && endpoint.base_path.back() == '/') endpoint.base_path.pop_back();
    return endpoint;
}

void throw_config(const ClusterConfig& config, std::string_view what, const beast::error_code& ec) {
    throw std::invalid_argument(std::string(what) + " of " + config.source + ": " + ec.message());
}

std::shared_ptr<ssl::context> make_tls_context(const ClusterConfig& config) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    if (config.insecure_skip_tls_verify) {
        context->set_verify_mode(ssl::verify_none);
    } else {
        context->set_verify_mode(ssl::verify_peer);
        if (config.ca_pem.empty()) context->set_default_verify_paths(ec);
        else context->add_certificate_authority(asio::buffer(config.ca_pem), ec);
        if (ec) throw_config(config, "certificate-authority", ec);
    }
    if (config.client_cert_pem.empty() != config.client_key_pem.empty())
        throw std::invalid_argument("client certificate and key of " + config.source + " must be given together");
    if (!config.client_cert_pem.empty()) {
        context->use_certificate_chain(asio::buffer(config.client_cert_pem), ec);
        if (ec) throw_config(config, "client-certificate", ec);
        context->use_private_key(asio::buffer(config.client_key_pem), ssl::context::pem, ec);
        if (ec) throw_config(config, "client-key", ec);
    }
    return context;
}

bool is_ip_address(const std::string& host) {
    beast::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

/// ssl::host_name_verification that also records why it refused, so the
/// handshake error names the mismatch instead of a bare "verify failed".
class HostVerifier {
public:
    explicit HostVerifier(std::string host) : verify_(host), is_ip_(is_ip_address(host)) {}
    bool operator()(bool preverified, ssl::verify_context& context) {
        const bool ok = verify_(preverified, context);
        if (preverified && !ok)
            X509_STORE_CTX_set_error(context.native_handle(),
                                     is_ip_ ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
        return ok;
    }

private:
    ssl::host_name_verification verify_;
    bool is_ip_;
};

http::verb verb_of(Method method) {
    switch (method) {
    case Method::Get: return http::verb::get;
    case Method::Post: return http::verb::post;
    case Method::Put: return http::verb::put;
    case Method::Patch: return http::verb::patch;
    case Method::Delete: return http::verb::delete_;
    }
    return http::verb::get;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
    if (value.empty() || value.size() > 9) return std::nullopt;
    long seconds = 0;
    for (char c : value) {
        if (c < '0' || c > '9') return std::nullopt;
        seconds = seconds * 10 + (c - '0');
    }
    return std::chrono::seconds{seconds};
}

/// One TCP connection, TLS or plain, with the read buffer that belongs to it.
class Connection {
public:
    Connection(const asio::any_io_executor& executor, std::shared_ptr<ssl::context> tls_context)
        : tls_context_(std::move(tls_context)) {
        if (tls_context_) tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, *tls_context_);
        else plain_ = std::make_unique<beast::tcp_stream>(executor);
    }

    beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
    beast::ssl_stream<beast::tcp_stream>* tls() { return tls_.get(); }

    // These return the operation unstarted; the caller co_awaits at once, so
    // the referenced message or parser outlives it.
    template <class Message>
    asio::awaitable<std::tuple<beast::error_code, std::size_t>> async_write(Message& message) {
        if (tls_) return http::async_write(*tls_, message, use_tuple);
        return http::async_write(*plain_, message, use_tuple);
    }
    template <class Parser>
    asio::awaitable<std::tuple<beast::error_code, std::size_t>> async_read(Parser& parser) {
        if (tls_) return http::async_read(*tls_, buffer_, parser, use_tuple);
        return http::async_read(*plain_, buffer_, parser, use_tuple);
    }
    template <class Parser>
    asio::awaitable<std::tuple<beast::error_code, std::size_t>> async_read_header(Parser& parser) {
        if (tls_) return http::async_read_header(*tls_, buffer_, parser, use_tuple);
        return http::async_read_header(*plain_, buffer_, parser, use_tuple);
    }
    template <class Parser>
    asio::awaitable<std::tuple<beast::error_code, std::size_t>> async_read_some(Parser& parser) {
        if (tls_) return http::async_read_some(*tls_, buffer_, parser, use_tuple);
        return http::async_read_some(*plain_, buffer_, parser, use_tuple);
    }

    /// False when the peer closed or sent something while the connection sat
    /// idle: reusing it would only fail.
    bool looks_reusable() {
        if (buffer_.size() != 0) return false;
        auto& socket = tcp().socket();
        if (!socket.is_open()) return false;
        char byte = 0;
        const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

    MonoTime idle_since{};

private:
    std::shared_ptr<ssl::context> tls_context_;  // shared: a watch stream may outlive its client
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
    std::unique_ptr<beast::tcp_stream> plain_;
    beast::flat_buffer buffer_;
};

/// The failed step of a network exchange, turned into an ApiError at the edge.
ApiError step_error(std::string_view step, const beast::error_code& ec, milliseconds limit) {
    if (ec == beast::error::timeout) return timeout_error(step, limit);
    return transport_error(step, ec.message());
}

/// A whole response, read into memory.
struct RawResponse {
    int status = 0;
    std::string body;
    std::optional<std::chrono::seconds> retry_after;
    bool keep_alive = false;
};

/// The outcome of one request on one connection: a response or the failed step.
struct Exchange {
    beast::error_code ec;
    std::string_view step;
    RawResponse response;
};

/// A watch response body read incrementally and split into lines.
class BeastWatchStream final : public WatchStream {
public:
    BeastWatchStream(std::unique_ptr<Connection> connection,
                     std::unique_ptr<http::response_parser<http::buffer_body>> parser, milliseconds idle_timeout)
        : connection_(std::move(connection)), parser_(std::move(parser)), idle_timeout_(idle_timeout) {}

    asio::awaitable<Result<std::optional<std::string>>> next_line() override {
        for (;;) {
            if (auto line = lines_.next()) co_return std::move(line);
            if (lines_.finished()) co_return std::optional<std::string>();
            if (lines_.buffered() > max_watch_line) {
                ApiError error;
                error.reason = ErrorReason::Decode;
                error.message = "watch event line longer than " + std::to_string(max_watch_line) + " bytes";
                co_return error;
            }
            auto& body = parser_->get().body();
            body.data = read_buffer_.data();
            body.size = read_buffer_.size();
            connection_->tcp().expires_after(idle_timeout_);
            auto [ec, consumed] = co_await connection_->async_read_some(*parser_);
            if (ec == http::error::need_buffer) ec = {};
            if (ec) {
                lines_.abandon();
                co_return step_error("read watch stream", ec, idle_timeout_);
            }
            lines_.append(std::string_view(read_buffer_.data(), read_buffer_.size() - body.size));
            if (parser_->is_done()) {
                lines_.finish();
                connection_.reset();
            }
        }
    }

private:
    std::unique_ptr<Connection> connection_;
    std::unique_ptr<http::response_parser<http::buffer_body>> parser_;
    milliseconds idle_timeout_;
    std::array<char, 16 * 1024> read_buffer_{};
    LineSplitter lines_;
};

} // namespace

struct HttpsClient::Impl {
    ClusterConfig config;
    asio::any_io_executor executor;
    HttpsClientOptions options;
    const Clock& clock;
    Endpoint endpoint;
    std::shared_ptr<ssl::context> tls_context;
    std::string verify_name;  // verified against the certificate and sent as SNI
    std::vector<std::unique_ptr<Connection>> idle;  // oldest first
    std::size_t opened = 0;
    std::string file_token;
    std::optional<MonoTime> file_token_read_at;

    Impl(ClusterConfig config_in, asio::any_io_executor executor_in, HttpsClientOptions options_in)
        : config(std::move(config_in)),
          executor(std::move(executor_in)),
          options(std::move(options_in)),
          clock(options.clock ? *options.clock : system_clock),
          endpoint(parse_server(config)) {
        if (endpoint.tls) tls_context = make_tls_context(config);
        verify_name = config.tls_server_name.empty() ? endpoint.host : config.tls_server_name;
    }

    /// The bearer token to send ("" for none); token_file is re-read when
    /// older than token_refresh_interval.
    Result<std::string> bearer_token() {
        if (config.token_file.empty()) return config.token;
        if (!file_token_read_at || clock.steady_now() - *file_token_read_at >= options.token_refresh_interval) {
            if (!read_token_file() && !file_token_read_at)
                return transport_error("read token file", config.token_file + ": " + std::strerror(errno));
        }
        return file_token;
    }

    /// Reads token_file into file_token; false (keeping the last good token)
    /// when it cannot be read.
    bool read_token_file() {
        std::ifstream in(config.token_file, std::ios::binary);
        std::stringstream text;
        if (in) text << in.rdbuf();
        if (!in || in.bad()) return false;
        std::string token = text.str();
        while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
        file_token = std::move(token);
        file_token_read_at = clock.steady_now();
        return true;
    }

    http::request<http::string_body> build_message(const HttpRequest& request, const std::string& token) const {
        http::request<http::string_body> message{verb_of(request.method), endpoint.base_path + request.target, 11};
        message.set(http::field::host, endpoint.host_header);
        message.set(http::field::user_agent, options.user_agent);
        message.set(http::field::accept, "application/json");
        if (!token.empty()) message.set(http::field::authorization, "Bearer " + token);
        if (!request.content_type.empty()) message.set(http::field::content_type, request.content_type);
        message.body() = request.body;
        message.prepare_payload();
        return message;
    }

    asio::awaitable<Result<std::unique_ptr<Connection>>> connect() {
        tcp::resolver resolver(executor);
        auto [resolve_ec, endpoints] = co_await resolver.async_resolve(endpoint.host, endpoint.port, use_tuple);
        if (resolve_ec) co_return transport_error("resolve " + endpoint.host, resolve_ec.message());
        auto connection = std::make_unique<Connection>(executor, tls_context);
        connection->tcp().expires_after(options.connect_timeout);
        auto [connect_ec, peer] = co_await connection->tcp().async_connect(endpoints, use_tuple);
        if (connect_ec) {
            if (connect_ec == beast::error::timeout) co_return timeout_error("connect", options.connect_timeout);
            co_return transport_error("connect", endpoint.host_header + ": " + connect_ec.message());
        }
        ++opened;
        // Small requests must not wait for delayed ACKs (Nagle).
        connection->tcp().socket().set_option(tcp::no_delay(true), connect_ec);
        if (auto* tls = connection->tls()) {
            if (!config.insecure_skip_tls_verify) tls->set_verify_callback(HostVerifier(verify_name));
            if (!is_ip_address(verify_name)) SSL_set_tlsext_host_name(tls->native_handle(), verify_name.c_str());
            connection->tcp().expires_after(options.handshake_timeout);
            auto [handshake_ec] = co_await tls->async_handshake(ssl::stream_base::client, use_tuple);
            if (handshake_ec) {
                if (handshake_ec == beast::error::timeout)
                    co_return timeout_error("tls handshake", options.handshake_timeout);
                std::string detail = endpoint.host_header + ": " + handshake_ec.message();
                if (const long verify = SSL_get_verify_result(tls->native_handle()); verify != X509_V_OK)
                    detail = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify) +
                             " (server " + endpoint.host_header + ", name \"" + verify_name + "\", trusting " +
                             (config.ca_pem.empty() ? "the system roots" : "the CA of " + config.source) + ")";
                co_return transport_error("tls handshake", detail);
            }
        }
        connection->tcp().expires_never();
        co_return std::move(connection);
    }

    std::unique_ptr<Connection> take_idle() {
        while (!idle.empty()) {
            auto connection = std::move(idle.back());
            idle.pop_back();
            if (clock.steady_now() - connection->idle_since <= options.max_idle_age && connection->looks_reusable())
                return connection;
        }
        return nullptr;
    }

    void give_back(std::unique_ptr<Connection> connection) {
        if (options.max_idle_connections == 0) return;
        if (idle.size() >= options.max_idle_connections) idle.erase(idle.begin());
        connection->tcp().expires_never();
        connection->idle_since = clock.steady_now();
        idle.push_back(std::move(connection));
    }

    /// Writes one request and reads its whole response on `connection`.
    asio::awaitable<Exchange> exchange(Connection* connection, http::request<http::string_body> message) {
        Exchange out;
        connection->tcp().expires_after(options.request_timeout);
        auto [write_ec, written] = co_await connection->async_write(message);
        if (write_ec) {
            out.ec = write_ec;
            out.step = "write request";
            co_return out;
        }
        http::response_parser<http::string_body> parser;
        parser.header_limit(max_response_header);
        parser.body_limit(max_response_body);
        connection->tcp().expires_after(options.request_timeout);
        auto [read_ec, read] = co_await connection->async_read(parser);
        if (read_ec) {
            out.ec = read_ec;
            out.step = "read response";
            co_return out;
        }
        auto& response = parser.get();
        out.response.status = static_cast<int>(response.result_int());
        out.response.retry_after = parse_retry_after(response[http::field::retry_after]);
        out.response.keep_alive = response.keep_alive();
        out.response.body = std::move(response.body());
        co_return out;
    }

    /// One attempt: one request on a pooled or fresh connection, never resent
    /// here (a resend is the RetryingClient's, above the leader gate).
    asio::awaitable<Result<HttpResponse>> send(HttpRequest request) {
        auto token = bearer_token();
        if (!token) co_return token.error();
        const auto message = build_message(request, *token);
        auto connection = take_idle();
        if (!connection) {
            auto fresh = co_await connect();
            if (!fresh) co_return fresh.error();
            connection = std::move(fresh).value();
        }
        auto result = co_await exchange(connection.get(), message);
        if (result.ec) co_return step_error(result.step, result.ec, options.request_timeout);
        auto& raw = result.response;
        if (raw.keep_alive) give_back(std::move(connection));
        if (raw.status >= 200 && raw.status < 300) co_return HttpResponse{raw.status, std::move(raw.body)};
        co_return api_error_from_response(raw.status, raw.body, raw.retry_after);
    }

    /// Reads the rest of a failed watch response (bounded) for its Status.
    asio::awaitable<std::string> read_error_body(Connection* connection,
                                                 http::response_parser<http::buffer_body>* parser) {
        std::string body;
        std::array<char, 4096> chunk{};
        while (!parser->is_done() && body.size() < max_error_body) {
            parser->get().body().data = chunk.data();
            parser->get().body().size = chunk.size();
            connection->tcp().expires_after(options.request_timeout);
            auto [ec, consumed] = co_await connection->async_read_some(*parser);
            if (ec && ec != http::error::need_buffer) break;
            body.append(chunk.data(), chunk.size() - parser->get().body().size);
        }
        co_return body;
    }

    asio::awaitable<Result<std::unique_ptr<WatchStream>>> stream(HttpRequest request, milliseconds idle_timeout) {
        auto token = bearer_token();
        if (!token) co_return token.error();
        auto fresh = co_await connect();
        if (!fresh) co_return fresh.error();
        auto connection = std::move(fresh).value();
        auto message = build_message(request, *token);
        connection->tcp().expires_after(options.request_timeout);
        auto [write_ec, written] = co_await connection->async_write(message);
        if (write_ec) co_return step_error("write request", write_ec, options.request_timeout);
        auto parser = std::make_unique<http::response_parser<http::buffer_body>>();
        parser->header_limit(max_response_header);
        parser->body_limit(boost::none);
        connection->tcp().expires_after(options.request_timeout);
        auto [read_ec, read] = co_await connection->async_read_header(*parser);
        if (read_ec) co_return step_error("read response header", read_ec, options.request_timeout);
        const int status = static_cast<int>(parser->get().result_int());
        if (status >= 200 && status < 300)
            co_return std::unique_ptr<WatchStream>(
                std::make_unique<BeastWatchStream>(std::move(connection), std::move(parser), idle_timeout));
        const auto retry_after = parse_retry_after(parser->get()[http::field::retry_after]);
        const std::string body = co_await read_error_body(connection.get(), parser.get());
        co_return api_error_from_response(status, body, retry_after);
    }
};

HttpsClient::HttpsClient(ClusterConfig config, asio::any_io_executor executor, HttpsClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(executor), std::move(options))) {}

HttpsClient::~HttpsClient() = default;

bool HttpsClient::reload_credentials() {
    if (impl_->config.token_file.empty()) return false;
    const std::string before = impl_->file_token;
    return impl_->read_token_file() && impl_->file_token != before;
}

asio::awaitable<Result<HttpResponse>> HttpsClient::send(HttpRequest request) {
    co_return co_await impl_->send(std::move(request));
}

asio::awaitable<Result<std::unique_ptr<WatchStream>>> HttpsClient::stream(HttpRequest request,
                                                                          std::chrono::milliseconds idle_timeout) {
    co_return co_await impl_->stream(std::move(request), idle_timeout);
}

std::size_t HttpsClient::connections_opened() const { return impl_->opened; }

std::size_t HttpsClient::idle_connections() const { return impl_->idle.size(); }

} // namespace labfleet::kube::net
