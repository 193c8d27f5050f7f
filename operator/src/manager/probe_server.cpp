#include "manager/probe_server.hpp"

#include <charconv>
#include <stdexcept>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace labfleet::manager {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto read_timeout = std::chrono::seconds{10};

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

} // namespace

struct ProbeServer::Impl {
    explicit Impl(asio::any_io_executor executor) : acceptor(executor) {}

    Reply route(const http::request<http::string_body>& request) const {
        const std::string_view target = request.target();
        const auto query = target.find('?');
        const std::string_view path = target.substr(0, query);
        const bool verbose = query != std::string_view::npos && target.substr(query).find("verbose") != std::string_view::npos;
        if (request.method() != http::verb::get && request.method() != http::verb::head)
            return {http::status::method_not_allowed, "text/plain", "method not allowed\n"};
        if (path == "/metrics" && metrics) return {http::status::ok, "text/plain; version=0.0.4; charset=utf-8", metrics()};
        if (path == "/healthz" || path == "/livez") return run_checks(healthz, verbose);
        if (path == "/readyz") return run_checks(readyz, verbose);
        for (const auto& check : healthz)
            if (path == "/healthz/" + check.name) return run_checks({check}, verbose);
        for (const auto& check : readyz)
            if (path == "/readyz/" + check.name) return run_checks({check}, verbose);
        return {http::status::not_found, "text/plain", "not found\n"};
    }

    tcp::acceptor acceptor;
    std::function<std::string()> metrics;
    std::vector<Check> healthz;
    std::vector<Check> readyz;
};

namespace {

asio::awaitable<void> serve_connection(std::shared_ptr<ProbeServer::Impl> server, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> request;
        stream.expires_after(read_timeout);
        auto [read_error, read_bytes] =
            co_await http::async_read(stream, buffer, request, asio::as_tuple(asio::use_awaitable));
        if (read_error) break;
        const Reply reply = server->route(request);
        http::response<http::string_body> response{reply.status, request.version()};
        response.set(http::field::content_type, reply.content_type);
        response.keep_alive(request.keep_alive());
        if (request.method() != http::verb::head) response.body() = reply.body;
        response.prepare_payload();
        stream.expires_after(read_timeout);
        auto [write_error, written] =
            co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
        if (write_error || !response.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<ProbeServer::Impl> server) {
    while (server->acceptor.is_open()) {
        auto [error, socket] = co_await server->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (error) {
            if (error == asio::error::operation_aborted || !server->acceptor.is_open()) break;
            continue;
        }
        asio::co_spawn(server->acceptor.get_executor(), serve_connection(server, std::move(socket)), asio::detached);
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

ProbeServer::ProbeServer(asio::any_io_executor executor, const std::string& bind_address)
    : impl_(std::make_shared<Impl>(executor)) {
    const auto parsed = parse_bind_address(bind_address);
    if (!parsed) throw std::runtime_error("bind address '" + bind_address + "': expected host:port or :port");
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

void ProbeServer::serve_metrics(std::function<std::string()> render) { impl_->metrics = std::move(render); }
void ProbeServer::add_healthz(Check check) { impl_->healthz.push_back(std::move(check)); }
void ProbeServer::add_readyz(Check check) { impl_->readyz.push_back(std::move(check)); }

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
