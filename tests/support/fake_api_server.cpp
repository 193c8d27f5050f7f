#include "support/fake_api_server.hpp"

#include <deque>
#include <sstream>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace labfleet::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}

struct FakeApiServer::State {
    explicit State(asio::any_io_executor executor_in) : executor(executor_in), acceptor(executor_in) {}

    FakeReply next_reply(const RecordedRequest& request) {
        if (!script.empty()) {
            FakeReply reply = std::move(script.front());
            script.pop_front();
            return reply;
        }
        if (handler) return handler(request);
        return FakeReply::json(404, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound",)"
                                    R"("message":"no scripted reply","code":404})");
    }

    asio::any_io_executor executor;
    tcp::acceptor acceptor;
    std::unique_ptr<ssl::context> tls;
    std::deque<FakeReply> script;
    std::function<FakeReply(const RecordedRequest&)> handler;
    std::vector<RecordedRequest> requests;
    std::size_t connections = 0;
};

namespace {

std::string status_line_and_headers(const FakeReply& reply) {
    std::string text = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                       std::string(http::obsolete_reason(http::int_to_status(static_cast<unsigned>(reply.status)))) +
                       "\r\n";
    for (const auto& [name, value] : reply.headers) text += name + ": " + value + "\r\n";
    return text;
}

asio::awaitable<void> pause(asio::any_io_executor executor, std::chrono::milliseconds duration) {
    asio::steady_timer timer(executor, duration);
    co_await timer.async_wait(use_tuple);
}

asio::awaitable<void> stay_silent(asio::any_io_executor executor) {
    asio::steady_timer timer(executor, asio::steady_timer::time_point::max());
    co_await timer.async_wait(use_tuple);
}

template <class Stream>
asio::awaitable<bool> write_text(Stream& stream, const std::string& text) {
    auto [ec, written] = co_await asio::async_write(stream, asio::buffer(text), use_tuple);
    co_return !ec;
}

/// Answers requests on one connection until it closes or a reply ends it.
template <class Stream>
asio::awaitable<void> serve(std::shared_ptr<FakeApiServer::State> state, Stream stream, std::size_t index) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> request;
        auto [read_ec, read] = co_await http::async_read(stream, buffer, request, use_tuple);
        if (read_ec) co_return;
        RecordedRequest recorded{std::string(request.method_string()), std::string(request.target()),
                                 request.body(), std::string(request[http::field::authorization]),
                                 std::string(request[http::field::content_type]), index};
        state->requests.push_back(recorded);
        FakeReply reply = state->next_reply(recorded);
        if (reply.delay.count() > 0) co_await pause(state->executor, reply.delay);
        boost::system::error_code ignored;
        switch (reply.kind) {
        case FakeReply::Kind::NoAnswer:
            co_await stay_silent(state->executor);
            co_return;
        case FakeReply::Kind::CloseWithoutAnswer:
            stream.lowest_layer().close(ignored);
            co_return;
        case FakeReply::Kind::Full: {
            std::string text = status_line_and_headers(reply) +
                               "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
            if (!co_await write_text(stream, text)) co_return;
            break;
        }
        case FakeReply::Kind::Chunked: {
            if (!co_await write_text(stream, status_line_and_headers(reply) + "Transfer-Encoding: chunked\r\n\r\n"))
                co_return;
            for (const auto& chunk : reply.chunks) {
                if (reply.chunk_interval.count() > 0) co_await pause(state->executor, reply.chunk_interval);
                std::ostringstream size;
                size << std::hex << chunk.size();
                if (!co_await write_text(stream, size.str() + "\r\n" + chunk + "\r\n")) co_return;
            }
            if (!reply.end_stream) {
                if (reply.close_after) stream.lowest_layer().close(ignored);
                else co_await stay_silent(state->executor);
                co_return;
            }
            if (!co_await write_text(stream, std::string("0\r\n\r\n"))) co_return;
            break;
        }
        case FakeReply::Kind::CloseDelimited: {
            if (!co_await write_text(stream, status_line_and_headers(reply) + "Connection: close\r\n\r\n")) co_return;
            for (const auto& chunk : reply.chunks) {
                if (reply.chunk_interval.count() > 0) co_await pause(state->executor, reply.chunk_interval);
                if (!co_await write_text(stream, chunk)) co_return;
            }
            stream.lowest_layer().close(ignored);
            co_return;
        }
        }
        if (reply.close_after || !request.keep_alive()) {
            stream.lowest_layer().close(ignored);
            co_return;
        }
    }
}

asio::awaitable<void> serve_tls(std::shared_ptr<FakeApiServer::State> state, tcp::socket socket, std::size_t index) {
    ssl::stream<tcp::socket> stream(std::move(socket), *state->tls);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (ec) co_return;
    co_await serve(state, std::move(stream), index);
}

asio::awaitable<void> accept_loop(std::shared_ptr<FakeApiServer::State> state) {
    for (;;) {
        auto [ec, socket] = co_await state->acceptor.async_accept(use_tuple);
        if (ec) co_return;
        const std::size_t index = ++state->connections;
        socket.set_option(tcp::no_delay(true), ec);
        if (state->tls) asio::co_spawn(state->executor, serve_tls(state, std::move(socket), index), asio::detached);
        else asio::co_spawn(state->executor, serve(state, std::move(socket), index), asio::detached);
    }
}

} // namespace

FakeApiServer::FakeApiServer(asio::any_io_executor executor, const ServerTls* tls)
    : state_(std::make_shared<State>(executor)) {
    if (tls) {
        state_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
        state_->tls->use_certificate_chain(asio::buffer(tls->cert_pem));
        state_->tls->use_private_key(asio::buffer(tls->key_pem), ssl::context::pem);
    }
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen();
    asio::co_spawn(executor, accept_loop(state_), asio::detached);
}

FakeApiServer::~FakeApiServer() {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
}

std::string FakeApiServer::url() const {
    return std::string(state_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

unsigned short FakeApiServer::port() const { return state_->acceptor.local_endpoint().port(); }

void FakeApiServer::push(FakeReply reply) { state_->script.push_back(std::move(reply)); }

void FakeApiServer::set_handler(std::function<FakeReply(const RecordedRequest&)> handler) {
    state_->handler = std::move(handler);
}

const std::vector<RecordedRequest>& FakeApiServer::requests() const { return state_->requests; }

std::size_t FakeApiServer::connections_accepted() const { return state_->connections; }

namespace {

template <class T, void (*Free)(T*)>
struct OpenSslDeleter {
    void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test pki: ") + what);
}

PkeyPtr make_key() {
    PkeyPtr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    check(extension != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
}

/// A certificate for `key` named `cn`, signed by issuer (self-signed when null).
X509Ptr make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long serial) {
    X509Ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509* signer = issuer ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    if (issuer) {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    } else {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    check(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
    return cert;
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string cert_pem(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    return bio_text(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    return bio_text(bio.get());
}

TestPki make_test_pki() {
    auto ca_key = make_key();
    auto ca = make_cert(ca_key.get(), "labfleet test CA", nullptr, nullptr, 1);
    auto other_key = make_key();
    auto other = make_cert(other_key.get(), "labfleet unrelated CA", nullptr, nullptr, 2);
    auto server_key = make_key();
    auto server = make_cert(server_key.get(), "127.0.0.1", ca.get(), ca_key.get(), 3);
    return {cert_pem(ca.get()), cert_pem(other.get()), {cert_pem(server.get()), key_pem(server_key.get())}};
}

} // namespace

const TestPki& test_pki() {
    static const TestPki pki = make_test_pki();
    return pki;
}

} // namespace labfleet::testing
