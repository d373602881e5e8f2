#include "gateway/tls_front.hpp"

#include <openssl/ssl.h>

#include <array>
#include <memory>
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

// TLS -> the plain-text path: what the client sends. The buffer lives in the
// coroutine frame while the read waits, so it is small: a device's frames are
// at most 4096 bytes, and a bigger upload just takes more reads (OpenSSL keeps
// the rest of the record).
asio::awaitable<void> pump_in(beast::ssl_stream<beast::tcp_stream>& from, tcp::socket& to) {
    std::array<char, 4096> buf{};
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

// The plain-text path -> TLS: what ptalkd sends. It waits for data with no
// buffer at all (an idle device costs nothing here) and takes one only while
// there is something to move: full-sized TLS records for firmware chunks.
// The wait is edge-triggered: data that came while a write was under way may
// have had its event already, so the loop reads until the socket holds
// nothing (available()) before it waits again. One thread runs each event
// loop, so no event can be taken between that check and the wait being queued
// (docs/ARCHITECTURE.md, Threads).
asio::awaitable<void> pump_out(tcp::socket& from, beast::ssl_stream<beast::tcp_stream>& to) {
    constexpr std::size_t size = 16 * 1024;
    for (;;) {
        auto [wait_ec] = co_await from.async_wait(tcp::socket::wait_read, as_tuple(use_awaitable));
        if (wait_ec) co_return;
        const std::unique_ptr<char[]> buf(new char[size]);
        beast::error_code more_ec;
        do {
            auto [rec, n] = co_await from.async_read_some(asio::buffer(buf.get(), size),
                                                          as_tuple(use_awaitable));
            if (n > 0) {
                auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf.get(), n),
                                                            as_tuple(use_awaitable));
                if (wec) co_return;
            }
            if (rec) co_return;
        } while (from.available(more_ec) > 0 && !more_ec);
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
    buffer.shrink_to_fit();  // the ClientHello's buffer: not kept for the connection's life
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
            co_await pump_in(pair->tls, pair->inner);
            pair->close();
        },
        asio::detached);
    co_await pump_out(inner, tls);
    pair->close();
}

}  // namespace ptalk::gateway
