#include "cli/http_client.hpp"

#include <fstream>

#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include "cli/exit_code.hpp"

namespace ptalk::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto connect_timeout = std::chrono::seconds(5);

http::request<http::string_body> make_request(http::verb method, const ServerUrl& server,
                                              std::string_view path, const std::string& token) {
    http::request<http::string_body> req{method, server.base_path + std::string(path), 11};
    req.set(http::field::host, server.host + ":" + std::to_string(server.port));
    req.set(http::field::user_agent, "ptalk-cli");
    req.keep_alive(true);
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    return req;
}

HttpResponse to_response(http::response<http::string_body>& res) {
    HttpResponse r;
    r.status = res.result_int();
    r.body = std::move(res.body());
    boost::json::error_code jec;
    auto v = boost::json::parse(r.body, jec);
    if (!jec) r.json = std::move(v);
    return r;
}

}  // namespace

// One connection to the server: TCP, and TLS on top of it for https.
struct HttpClient::Connection {
    explicit Connection(asio::io_context& ioc) : tcp(ioc) {}
    beast::tcp_stream tcp;
    std::optional<asio::ssl::stream<beast::tcp_stream&>> tls;

    // Runs `f` on the stream the HTTP bytes go through.
    template <class F>
    decltype(auto) with(F&& f) {
        if (tls) return f(*tls);
        return f(tcp);
    }
};

HttpClient::HttpClient(ServerUrl server, std::string token)
    : server_(std::move(server)), token_(std::move(token)) {}

HttpClient::~HttpClient() {
    if (conn_) {
        beast::error_code ec;
        conn_->tcp.socket().shutdown(tcp::socket::shutdown_both, ec);
    }
}

void HttpClient::unreachable(const boost::system::error_code& ec) const {
    throw CliError(ExitCode::unreachable, "cannot reach the server at " + server_.to_string() +
                                              ": " + ec.message() +
                                              " (is ptalkd running? see --server)");
}

void HttpClient::connect() {
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(server_.host, std::to_string(server_.port), ec);
    if (ec) unreachable(ec);
    auto conn = std::make_unique<Connection>(ioc_);
    conn->tcp.expires_after(connect_timeout);
    conn->tcp.connect(endpoints, ec);
    if (ec) unreachable(ec);
    if (server_.tls) {
        if (!tls_) {
            tls_.emplace(asio::ssl::context::tls_client);
            tls_->set_default_verify_paths(ec);
            if (!server_.ca_file.empty()) {
                tls_->load_verify_file(server_.ca_file, ec);
                if (ec) {
                    tls_.reset();
                    throw CliError(ExitCode::usage, "cannot use the CA file " + server_.ca_file +
                                                        ": " + ec.message());
                }
            }
            tls_->set_verify_mode(asio::ssl::verify_peer);
        }
        auto& tls = conn->tls.emplace(conn->tcp, *tls_);
        beast::error_code addr_ec;
        asio::ip::make_address(server_.host, addr_ec);
        if (addr_ec) SSL_set_tlsext_host_name(tls.native_handle(), server_.host.c_str());  // SNI
        tls.set_verify_callback(asio::ssl::host_name_verification(server_.host));
        tls.handshake(asio::ssl::stream_base::client, ec);
        if (ec) {
            throw CliError(ExitCode::unreachable,
                           "TLS with " + server_.to_string() + " failed: " + ec.message() +
                               (server_.ca_file.empty()
                                    ? " (a self-signed server needs --ca-file or PTALK_CA_FILE)"
                                    : ""));
        }
    }
    conn_ = std::move(conn);
}

HttpResponse HttpClient::request(http::verb method, std::string_view path, std::string_view body,
                                 std::string_view content_type, const ProgressFn& progress) {
    for (int attempt = 0;; ++attempt) {
        const bool reused = conn_ != nullptr;
        if (!conn_) connect();
        auto req = make_request(method, server_, path, token_);
        if (!body.empty()) {
            req.set(http::field::content_type, content_type);
            req.body() = std::string(body);
        }
        req.prepare_payload();
        beast::error_code ec;
        conn_->tcp.expires_after(timeout_);
        http::request_serializer<http::string_body> sr{req};
        std::uint64_t sent = 0;
        const std::uint64_t total = req.body().size();
        while (!ec && !sr.is_done()) {
            sent += conn_->with([&](auto& s) { return http::write_some(s, sr, ec); });
            if (progress) progress(std::min(sent, total), total);
        }
        beast::flat_buffer buf;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        // Read even after a failed write: the server may answer early (413, 404)
        // and close before taking a large body; that answer is what counts.
        beast::error_code read_ec;
        conn_->with([&](auto& s) { return http::read(s, buf, parser, read_ec); });
        ec = parser.is_done() ? beast::error_code{} : (ec ? ec : read_ec);
        if (ec) {
            conn_.reset();
            // An idle keep-alive connection the server had closed: try a fresh one once.
            if (reused && attempt == 0 && !parser.is_header_done()) continue;
            unreachable(ec);
        }
        auto res = parser.release();
        if (!res.keep_alive()) conn_.reset();
        return to_response(res);
    }
}

HttpResponse HttpClient::send_file(http::verb method, std::string_view path,
                                   const std::filesystem::path& file, std::string_view content_type,
                                   const ProgressFn& progress) {
    std::error_code fec;
    const std::uint64_t size = std::filesystem::file_size(file, fec);
    std::ifstream in(file, std::ios::binary);
    if (fec || !in) throw CliError(ExitCode::usage, "cannot read " + file.string());
    conn_.reset();  // a fresh connection: a body half-sent cannot be retried elsewhere
    connect();
    auto base = make_request(method, server_, path, token_);
    http::request<http::buffer_body> req{std::move(base.base())};
    req.set(http::field::content_type, content_type);
    req.content_length(size);
    req.body().data = nullptr;
    req.body().more = true;
    beast::error_code ec;
    conn_->tcp.expires_after(timeout_);
    http::request_serializer<http::buffer_body> sr{req};
    conn_->with([&](auto& s) { return http::write_header(s, sr, ec); });
    std::vector<char> piece(64 * 1024);
    std::uint64_t sent = 0;
    while (!ec && sent < size) {
        in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) throw CliError(ExitCode::usage, file.string() + " changed while it was sent");
        req.body().data = piece.data();
        req.body().size = n;
        req.body().more = true;
        conn_->with([&](auto& s) { return http::write(s, sr, ec); });
        if (ec == http::error::need_buffer) ec = {};
        sent += n;
        if (progress) progress(std::min(sent, size), size);
    }
    if (!ec) {
        req.body().data = nullptr;
        req.body().size = 0;
        req.body().more = false;
        conn_->with([&](auto& s) { return http::write(s, sr, ec); });
    }
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    // Read even after a failed write: the server may refuse early (413, 409)
    // and close before taking the whole body; that answer is what counts.
    beast::error_code read_ec;
    conn_->with([&](auto& s) { return http::read(s, buf, parser, read_ec); });
    ec = parser.is_done() ? beast::error_code{} : (ec ? ec : read_ec);
    conn_.reset();
    if (ec) unreachable(ec);
    auto res = parser.release();
    return to_response(res);
}

HttpResponse HttpClient::stream(std::string_view path, std::string_view accept,
                                const ChunkFn& on_chunk) {
    conn_.reset();  // a stream has its connection to itself
    connect();
    auto req = make_request(http::verb::get, server_, path, token_);
    req.set(http::field::accept, accept);
    req.prepare_payload();
    beast::error_code ec;
    conn_->tcp.expires_after(connect_timeout);
    conn_->with([&](auto& s) { return http::write(s, req, ec); });
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    if (!ec) conn_->with([&](auto& s) { return http::read_header(s, buf, parser, ec); });
    if (ec) {
        conn_.reset();
        unreachable(ec);
    }
    const auto status = parser.get().result_int();
    char chunk[8192];
    std::string whole;
    while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof chunk;
        conn_->tcp.expires_never();
        conn_->with([&](auto& s) { return http::read(s, buf, parser, ec); });
        if (ec == http::error::need_buffer) ec = {};
        if (ec) break;
        const std::string_view got(chunk, sizeof chunk - parser.get().body().size);
        if (status / 100 != 2) {
            whole.append(got);
        } else if (!got.empty() && !on_chunk(got)) {
            break;
        }
    }
    conn_.reset();
    if (status / 100 == 2) return {};
    http::response<http::string_body> res{parser.get().result(), 11, std::move(whole)};
    return to_response(res);
}

}  // namespace ptalk::cli
