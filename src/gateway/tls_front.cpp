#include "gateway/tls_front.hpp"

#include <openssl/ssl.h>

#include <stdexcept>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace ptalk::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

TlsFront::TlsFront(const std::string& cert_file, const std::string& key_file)
    : ctx_(ssl::context::tls_server) {
    ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    SSL_CTX* native = ctx_.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(
        native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    // TLS 1.2: forward-secret AEAD suites only (TLS 1.3's own suites are all modern).
    if (SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
        throw std::runtime_error("TLS: no usable cipher suites");
    }
    boost::system::error_code ec;
    ctx_.use_certificate_chain_file(cert_file, ec);
    if (ec) throw std::runtime_error("TLS certificate " + cert_file + ": " + ec.message());
    ctx_.use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("TLS key " + key_file + ": " + ec.message());
    if (SSL_CTX_check_private_key(native) != 1) {
        throw std::runtime_error("TLS key " + key_file + " does not match " + cert_file);
    }
}

std::optional<std::string> TlsFront::remote_of(std::uint16_t port) {
    std::lock_guard lock(mutex_);
    auto it = remotes_.find(port);
    if (it == remotes_.end()) return std::nullopt;
    auto out = std::move(it->second);
    remotes_.erase(it);
    return out;
}

namespace {

template <class From, class To>
asio::awaitable<void> pump(From& from, To& to) {
    std::array<char, 16 * 1024> buf{};
    for (;;) {
        auto [rec, n] = co_await from.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
        if (n > 0) {
            auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf.data(), n),
                                                        as_tuple(use_awaitable));
            if (wec) co_return;
        }
        if (rec) co_return;
    }
}

}  // namespace

asio::awaitable<void> TlsFront::relay(beast::tcp_stream stream, beast::flat_buffer buffer,
                                      std::string remote,
                                      std::chrono::milliseconds handshake_timeout) {
    // Both directions share the two sockets; whichever ends first closes both.
    struct Pair {
        beast::ssl_stream<beast::tcp_stream> tls;
        tcp::socket inner;
        void close() {
            beast::error_code ignored;
            inner.close(ignored);
            beast::get_lowest_layer(tls).socket().close(ignored);
        }
    };
    auto ex = stream.get_executor();
    auto pair = std::make_shared<Pair>(
        Pair{beast::ssl_stream<beast::tcp_stream>(std::move(stream), ctx_), tcp::socket(ex)});
    auto& tls = pair->tls;
    auto& inner = pair->inner;
    beast::get_lowest_layer(tls).expires_after(handshake_timeout);
    auto [hec, used] = co_await tls.async_handshake(ssl::stream_base::server, buffer.data(),
                                                    as_tuple(use_awaitable));
    if (hec) {
        spdlog::debug("TLS handshake failed remote={} error=\"{}\"", remote, hec.message());
        co_return;
    }
    buffer.consume(used);
    beast::get_lowest_layer(tls).expires_never();

    beast::error_code ec;
    inner.open(inner_.protocol(), ec);
    if (!ec) inner.bind(tcp::endpoint(inner_.address(), 0), ec);
    if (ec) co_return;
    const auto port = inner.local_endpoint(ec).port();
    {
        std::lock_guard lock(mutex_);
        remotes_[port] = remote;
    }
    auto [cec] = co_await inner.async_connect(inner_, as_tuple(use_awaitable));
    if (cec) {
        (void)remote_of(port);
        co_return;
    }
    inner.set_option(tcp::no_delay(true), ec);
    // Either side ending ends both: a device dropped at the TCP level stays so.
    asio::co_spawn(
        ex,
        [pair]() -> asio::awaitable<void> {
            co_await pump(pair->tls, pair->inner);
            pair->close();
        },
        asio::detached);
    co_await pump(inner, tls);
    pair->close();
}

}  // namespace ptalk::gateway
