#include "manager/probe_server.hpp"

#include <charconv>
#include <stdexcept>
#include <variant>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace labfleet::manager {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

/// Bounds on each network step of a connection: reading a request (also the
/// keep-alive idle time), writing a response, the TLS handshake and goodbye.
constexpr auto read_timeout = std::chrono::seconds{10};
constexpr auto write_timeout = std::chrono::seconds{10};
constexpr auto handshake_timeout = std::chrono::seconds{10};
constexpr auto tls_shutdown_timeout = std::chrono::seconds{2};

struct Reply {
    http::status status;
    std::string content_type;
    std::string body;
};

/// Runs `checks` as controller-runtime's healthz does: "ok" when all pass,
/// else 500 listing the failures; `verbose` lists every check.
Reply run_checks(const std::vector<Check>& checks, bool verbose) {
    std::string body;
    bool healthy = true;
    for (const auto& check : checks) {
        const auto failure = check.run();
        if (failure) {
            healthy = false;
            body += "[-]" + check.name + " failed: " + *failure + "\n";
        } else if (verbose) {
            body += "[+]" + check.name + " ok\n";
        }
    }
    if (healthy && !verbose) body = "ok";
    else body += healthy ? "check passed\n" : "check failed\n";
    return {healthy ? http::status::ok : http::status::internal_server_error, "text/plain; charset=utf-8", body};
}

/// A server-side TLS context for `cert` (TLS 1.2+), or why it cannot be used.
std::variant<std::shared_ptr<ssl::context>, std::string> make_tls_context(const ServingCert& cert) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    beast::error_code error;
    context->use_certificate_chain(asio::buffer(cert.cert_pem), error);
    if (error) return "serving certificate: " + error.message();
    context->use_private_key(asio::buffer(cert.key_pem), ssl::context::pem, error);
    if (error) return "serving key: " + error.message();
    if (SSL_CTX_check_private_key(context->native_handle()) != 1)
        return std::string("serving key does not belong to the certificate");
    return context;
}

} // namespace

struct ProbeServer::Impl {
    explicit Impl(asio::any_io_executor executor) : acceptor(executor) {}

    /// The reply to a request that needs no guard; nullopt for a guarded
    /// /metrics, which serve_requests answers after asking the guard. Plain
    /// functions build replies: GCC 12 mishandles temporaries in coroutines.
    std::optional<Reply> answer_unguarded(http::verb method, const std::string& target) const {
        const auto query = target.find('?');
        const std::string path = target.substr(0, query);
        const bool verbose = query != std::string::npos && target.find("verbose", query) != std::string::npos;
        if (method != http::verb::get && method != http::verb::head)
            return Reply{http::status::method_not_allowed, "text/plain", "method not allowed\n"};
        if (path == "/metrics" && metrics) {
            if (guard) return std::nullopt;
            return render_metrics();
        }
        if (path == "/healthz" || path == "/livez") return run_checks(healthz, verbose);
        if (path == "/readyz") return run_checks(readyz, verbose);
        for (const auto& check : healthz)
            if (path == "/healthz/" + check.name) return run_checks({check}, verbose);
        for (const auto& check : readyz)
            if (path == "/readyz/" + check.name) return run_checks({check}, verbose);
        return Reply{http::status::not_found, "text/plain", "not found\n"};
    }

    /// What the guard is shown of a request to /metrics.
    static GuardRequest guard_request(const http::request<http::string_body>& request) {
        const std::string_view target = request.target();
        const auto authorization = request.find(http::field::authorization);
        return {std::string(http::to_string(request.method())), std::string(target.substr(0, target.find('?'))),
                authorization == request.end() ? std::string() : std::string(authorization->value())};
    }

    /// The reply once the guard has answered.
    Reply answer_guarded(const GuardAnswer& answer) const {
        if (answer.status != 200)
            return {http::int_to_status(static_cast<unsigned>(answer.status)), "text/plain; charset=utf-8",
                    answer.message + "\n"};
        return render_metrics();
    }

    Reply render_metrics() const { return {http::status::ok, "text/plain; version=0.0.4; charset=utf-8", metrics()}; }

    tcp::acceptor acceptor;
    /// Null for plain HTTP. Replaced whole when the certificate changes; each
    /// connection holds the one it was accepted with.
    std::shared_ptr<ssl::context> tls;
    std::function<std::string()> metrics;
    Guard guard;
    std::vector<Check> healthz;
    std::vector<Check> readyz;
};

namespace {

tcp::socket& socket_of(beast::tcp_stream& stream) { return stream.socket(); }
tcp::socket& socket_of(beast::ssl_stream<beast::tcp_stream>& stream) { return stream.next_layer().socket(); }

/// The response to `request` carrying `reply`.
http::response<http::string_body> make_response(const Reply& reply, const http::request<http::string_body>& request) {
    http::response<http::string_body> response{reply.status, request.version()};
    response.set(http::field::content_type, reply.content_type);
    if (reply.status == http::status::unauthorized) response.set(http::field::www_authenticate, "Bearer");
    response.keep_alive(request.keep_alive());
    if (request.method() != http::verb::head) response.body() = reply.body;
    response.prepare_payload();
    return response;
}

// say_goodbye takes the stream by reference: it is awaited by the frame that owns it.

/// Ends a plain connection: no more data from us.
asio::awaitable<void> say_goodbye(beast::tcp_stream& stream) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
}

/// Ends a TLS connection with close_notify, bounded: a peer that does not
/// answer is simply dropped.
asio::awaitable<void> say_goodbye(beast::ssl_stream<beast::tcp_stream>& stream) {
    beast::get_lowest_layer(stream).expires_after(tls_shutdown_timeout);
    auto [ignored] = co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
    (void)ignored;
}

/// Reads requests and writes replies until the peer closes, a step fails or
/// times out, or a reply ends the connection. The stream is the frame's own.
template <class Stream>
asio::awaitable<void> serve_requests(std::shared_ptr<ProbeServer::Impl> server, Stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> request;
        beast::get_lowest_layer(stream).expires_after(read_timeout);
        auto [read_error, read_bytes] =
            co_await http::async_read(stream, buffer, request, asio::as_tuple(asio::use_awaitable));
        if (read_error) break;
        const std::string target(request.target());
        std::optional<Reply> reply = server->answer_unguarded(request.method(), target);
        if (!reply) {
            GuardRequest asked = ProbeServer::Impl::guard_request(request);
            const GuardAnswer answer = co_await server->guard(std::move(asked));
            reply = server->answer_guarded(answer);
        }
        http::response<http::string_body> response = make_response(*reply, request);
        beast::get_lowest_layer(stream).expires_after(write_timeout);
        auto [write_error, written] =
            co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
        if (write_error || !response.keep_alive()) break;
    }
    co_await say_goodbye(stream);
    beast::error_code ignored;
    socket_of(stream).close(ignored);
}

/// A TLS connection: the handshake within its timeout, then its requests.
asio::awaitable<void> serve_tls(std::shared_ptr<ProbeServer::Impl> server, tcp::socket socket,
                                std::shared_ptr<ssl::context> context) {
    beast::tcp_stream tcp_stream(std::move(socket));
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *context);
    beast::get_lowest_layer(stream).expires_after(handshake_timeout);
    auto [handshake_error] = co_await stream.async_handshake(ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (handshake_error) {
        beast::error_code ignored;
        stream.next_layer().socket().close(ignored);
        co_return;
    }
    // `context` lives in this frame for as long as the stream that uses it.
    co_await serve_requests(std::move(server), std::move(stream));
}

asio::awaitable<void> accept_loop(std::shared_ptr<ProbeServer::Impl> server) {
    while (server->acceptor.is_open()) {
        auto [error, socket] = co_await server->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (error) {
            if (error == asio::error::operation_aborted || !server->acceptor.is_open()) break;
            continue;
        }
        const auto executor = server->acceptor.get_executor();
        if (server->tls) {
            asio::co_spawn(executor, serve_tls(server, std::move(socket), server->tls), asio::detached);
        } else {
            beast::tcp_stream stream(std::move(socket));
            asio::co_spawn(executor, serve_requests(server, std::move(stream)), asio::detached);
        }
    }
}

} // namespace

std::optional<std::pair<std::string, unsigned short>> parse_bind_address(const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    unsigned port = 0;
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    auto [end, ec] = std::from_chars(first, last, port);
    if (ec != std::errc{} || end != last || first == last || port > 65535) return std::nullopt;
    return std::make_pair(host, static_cast<unsigned short>(port));
}

ProbeServer::ProbeServer(asio::any_io_executor executor, const std::string& bind_address,
                         std::optional<ServingCert> tls)
    : impl_(std::make_shared<Impl>(executor)) {
    const auto parsed = parse_bind_address(bind_address);
    if (!parsed) throw std::runtime_error("bind address '" + bind_address + "': expected host:port or :port");
    if (tls) {
        auto context = make_tls_context(*tls);
        if (auto* error = std::get_if<std::string>(&context)) throw std::runtime_error(*error);
        impl_->tls = std::get<std::shared_ptr<ssl::context>>(std::move(context));
    }
    beast::error_code error;
    const auto ip = asio::ip::make_address(parsed->first, error);
    if (error) throw std::runtime_error("bind address '" + bind_address + "': bad host: " + error.message());
    const tcp::endpoint endpoint{ip, parsed->second};
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint, error);
    if (error) throw std::runtime_error("listen on " + bind_address + ": " + error.message());
    impl_->acceptor.listen();
}

ProbeServer::~ProbeServer() { stop(); }

void ProbeServer::serve_metrics(std::function<std::string()> render, Guard guard) {
    impl_->metrics = std::move(render);
    impl_->guard = std::move(guard);
}
void ProbeServer::add_healthz(Check check) { impl_->healthz.push_back(std::move(check)); }
void ProbeServer::add_readyz(Check check) { impl_->readyz.push_back(std::move(check)); }

std::optional<std::string> ProbeServer::set_serving_cert(const ServingCert& cert) {
    if (!impl_->tls) return std::string("the server speaks plain HTTP");
    auto context = make_tls_context(cert);
    if (auto* error = std::get_if<std::string>(&context)) return *error;
    impl_->tls = std::get<std::shared_ptr<ssl::context>>(std::move(context));
    return std::nullopt;
}

bool ProbeServer::secure() const { return impl_->tls != nullptr; }

void ProbeServer::start() { asio::co_spawn(impl_->acceptor.get_executor(), accept_loop(impl_), asio::detached); }

void ProbeServer::stop() {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
}

unsigned short ProbeServer::port() const {
    beast::error_code error;
    return impl_->acceptor.local_endpoint(error).port();
}

} // namespace labfleet::manager
