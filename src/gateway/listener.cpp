#include "gateway/listener.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "gateway/device_session.hpp"
#include "gateway/ws_upgrade.hpp"

namespace ptalk::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

HttpResponse plain_error(http::status status, std::string_view code, std::string_view message,
                         unsigned version) {
    HttpResponse res{status, version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::server, "ptalkd");
    res.body() = fmt::format(R"({{"error":{{"code":"{}","message":"{}"}}}})", code, message);
    res.keep_alive(false);
    res.prepare_payload();
    return res;
}

void count_response(core::Metrics& m, unsigned status) {
    const unsigned cls = status / 100;
    if (cls >= 2 && cls <= 5) m.http_responses.inc(cls - 2);
}

template <class Socket>
std::string endpoint_text(const Socket& s) {
    beast::error_code ec;
    auto ep = s.remote_endpoint(ec);
    if (ec) return "?";
    return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

bool is_disconnect(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout ||
           ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
           ec == asio::error::eof || ec == http::error::partial_message;
}

// Answers a request whose body was not (fully) read, then reads and drops what
// the client still sends for a moment: closing with unread bytes would reset
// the connection and the client could lose the answer.
// (Arguments by reference: no temporaries inside a co_await expression, GCC 12.)
asio::awaitable<void> answer_and_close(beast::tcp_stream& stream, HttpResponse& res,
                                       unsigned version, core::Metrics& metrics) {
    res.version(version);
    res.keep_alive(false);
    res.prepare_payload();
    count_response(metrics, res.result_int());
    stream.expires_after(std::chrono::seconds(5));
    auto [wec, wn] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
    if (wec) co_return;
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::vector<char> sink(16 * 1024);
    stream.expires_after(std::chrono::seconds(1));
    for (std::size_t drained = 0; drained < 64 * 1024 * 1024;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
        if (ec) break;
        drained += n;
    }
}

// A request the handler takes piece by piece (HttpHandler::stream_body): the
// body is read into a fixed buffer and handed on, never held whole. Returns
// whether the connection may carry another request.
asio::awaitable<bool> serve_streamed(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                     http::request_parser<http::empty_body>& head, BodyStream& bs,
                                     const Options& options, core::Metrics& metrics,
                                     std::atomic<int>& active, const std::atomic<bool>& stopping) {
    const unsigned version = head.get().version();
    const bool keep_alive = head.get().keep_alive();
    if (bs.now) {
        co_await answer_and_close(stream, *bs.now, version, metrics);
        co_return false;
    }
    if (beast::iequals(head.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, version};
        stream.expires_after(options.http_timeout);
        auto [cec, cn] = co_await http::async_write(stream, go_on, as_tuple(use_awaitable));
        if (cec) co_return false;
    }
    http::request_parser<http::buffer_body> body(std::move(head));
    body.body_limit(boost::none);  // the sink sets its own
    std::vector<std::uint8_t> piece(64 * 1024);
    while (!body.is_done()) {
        body.get().body().data = piece.data();
        body.get().body().size = piece.size();
        stream.expires_after(options.http_timeout);
        auto [ec, n] = co_await http::async_read(stream, buffer, body, as_tuple(use_awaitable));
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
            // Cut off: the sink is destroyed unfinished and discards what it kept.
            if (!is_disconnect(ec)) {
                metrics.http_malformed.fetch_add(1, std::memory_order_relaxed);
                auto res =
                    plain_error(http::status::bad_request, "bad_request", ec.message(), version);
                co_await answer_and_close(stream, res, version, metrics);
            }
            co_return false;
        }
        const std::size_t got = piece.size() - body.get().body().size;
        if (got == 0) continue;
        if (auto stop = bs.sink->write(std::span(piece.data(), got))) {
            co_await answer_and_close(stream, *stop, version, metrics);
            co_return false;
        }
    }
    ++active;
    HttpResponse res = co_await bs.sink->finish();
    bs.sink.reset();
    const bool keep = keep_alive && !stopping;
    res.version(version);
    res.keep_alive(keep);
    res.prepare_payload();
    count_response(metrics, res.result_int());
    stream.expires_after(options.http_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
    --active;
    co_return keep && !wec;
}

}  // namespace

Listener::Listener(EventLoops& loops, const Options& options, DeviceHooks& hooks, HttpHandler& http,
                   core::Metrics& metrics)
    : loops_(loops),
      options_(options),
      hooks_(hooks),
      http_(http),
      metrics_(metrics),
      acceptor_(loops.control()),
      inner_acceptor_(loops.control()) {}

void Listener::listen(const tcp::endpoint& ep) {
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    if (!options_.tls_cert.empty()) {
        tls_ = std::make_unique<TlsFront>(options_.tls_cert, options_.tls_key);
        const tcp::endpoint inner(asio::ip::make_address("127.0.0.1"), 0);
        inner_acceptor_.open(inner.protocol());
        inner_acceptor_.bind(inner);
        inner_acceptor_.listen(asio::socket_base::max_listen_connections);
        tls_->set_inner(inner_acceptor_.local_endpoint());
    }
}

tcp::endpoint Listener::local_endpoint() const {
    return acceptor_.local_endpoint();
}

void Listener::start() {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
    if (tls_) asio::co_spawn(inner_acceptor_.get_executor(), inner_accept_loop(), asio::detached);
}

void Listener::stop() {
    stopping_ = true;
    asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
    });
    asio::post(inner_acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        inner_acceptor_.close(ignored);
    });
}

asio::awaitable<void> Listener::accept_loop() {
    while (!stopping_) {
        auto [ec, sock] = co_await acceptor_.async_accept(loops_.next(), as_tuple(use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) break;
            // EMFILE and friends: back off briefly instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer t(acceptor_.get_executor(), std::chrono::milliseconds(50));
            co_await t.async_wait(as_tuple(use_awaitable));
            continue;
        }
        metrics_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
        beast::error_code rec;
        const auto remote = sock.remote_endpoint(rec);
        if (rec || !admit_connection(remote.address())) {
            beast::error_code ignored;
            sock.close(ignored);
            continue;
        }
        // Counted open until serve() ends, or until the DeviceSession it becomes does.
        metrics_.security.open_connections.fetch_add(1, std::memory_order_relaxed);
        sock.set_option(tcp::no_delay(true));
        auto ex = sock.get_executor();
        asio::co_spawn(ex, front(std::move(sock)), asio::detached);
    }
}

asio::awaitable<void> Listener::inner_accept_loop() {
    // Connections relayed by the TLS front: already admitted and rate-limited by
    // their real address; counted open here (the relay itself is not).
    while (!stopping_) {
        auto [ec, sock] =
            co_await inner_acceptor_.async_accept(loops_.next(), as_tuple(use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) break;
            asio::steady_timer t(inner_acceptor_.get_executor(), std::chrono::milliseconds(50));
            co_await t.async_wait(as_tuple(use_awaitable));
            continue;
        }
        metrics_.security.open_connections.fetch_add(1, std::memory_order_relaxed);
        beast::error_code pec;
        const auto peer = sock.remote_endpoint(pec);
        auto remote = pec ? std::nullopt : tls_->remote_of(peer.port());
        std::string text = remote ? *remote : endpoint_text(sock);
        sock.set_option(tcp::no_delay(true), pec);
        auto ex = sock.get_executor();
        asio::co_spawn(ex, serve(beast::tcp_stream(std::move(sock)), {}, std::move(text)),
                       asio::detached);
    }
}

asio::awaitable<void> Listener::front(tcp::socket sock) {
    std::string remote = endpoint_text(sock);
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buffer;
    if (!tls_) {
        co_await serve(std::move(stream), std::move(buffer), std::move(remote));
        co_return;
    }
    stream.expires_after(options_.http_timeout);
    auto [ec, is_tls] = co_await beast::async_detect_ssl(stream, buffer, as_tuple(use_awaitable));
    if (ec || !is_tls) {
        if (ec == beast::error::timeout) metrics_.security.count(core::Limit::http_timeout);
        if (!ec) {
            co_await serve(std::move(stream), std::move(buffer), std::move(remote));
            co_return;
        }
        metrics_.security.open_connections.fetch_sub(1, std::memory_order_relaxed);
        co_return;
    }
    // The relayed connection is counted by inner_accept_loop() instead.
    metrics_.security.open_connections.fetch_sub(1, std::memory_order_relaxed);
    co_await tls_->relay(std::move(stream), std::move(buffer), std::move(remote),
                         options_.handshake_timeout);
}

bool Listener::admit_connection(const asio::ip::address& addr) {
    if (static_cast<std::size_t>(std::max<std::int64_t>(
            0, metrics_.security.open_connections.load(std::memory_order_relaxed))) >=
        options_.max_connections) {
        metrics_.security.count(core::Limit::max_connections);
        return false;
    }
    if (options_.ip_rate <= 0) return true;
    if (addr.is_loopback() && !options_.ip_rate_loopback) return true;
    const auto now = std::chrono::steady_clock::now();
    if (buckets_.size() > 100'000) {
        // Forget addresses whose bucket has refilled: they are as good as new.
        std::erase_if(buckets_, [&](const auto& kv) {
            const std::chrono::duration<double> idle = now - kv.second.at;
            return kv.second.tokens + idle.count() * options_.ip_rate >= options_.ip_burst;
        });
    }
    auto [it, fresh] = buckets_.try_emplace(addr.to_string(), Bucket{options_.ip_burst, now});
    Bucket& b = it->second;
    if (!fresh) {
        const std::chrono::duration<double> dt = now - b.at;
        b.tokens = std::min(options_.ip_burst, b.tokens + dt.count() * options_.ip_rate);
        b.at = now;
    }
    if (b.tokens < 1) {
        metrics_.security.count(core::Limit::ip_rate);
        return false;
    }
    b.tokens -= 1;
    return true;
}

asio::awaitable<void> Listener::serve(beast::tcp_stream stream, beast::flat_buffer buffer,
                                      std::string remote) {
    // The connection counted open in accept_loop(), until a DeviceSession takes it.
    struct OpenConnection {
        core::Metrics& m;
        bool handed_over = false;
        ~OpenConnection() {
            if (!handed_over) m.security.open_connections.fetch_sub(1, std::memory_order_relaxed);
        }
    } open_connection{metrics_};
    const RequestContext ctx{std::move(remote)};
    for (;;) {
        // The header first: the handler may take the body piece by piece (uploads).
        http::request_parser<http::empty_body> head;
        head.body_limit(boost::none);  // checked below, once the route is known
        head.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
        stream.expires_after(options_.http_timeout);  // slowloris
        auto [ec, n] =
            co_await http::async_read_header(stream, buffer, head, as_tuple(use_awaitable));
        if (!ec && !beast::websocket::is_upgrade(head.get())) {
            BodyStream bs = http_.stream_body(head.get(), ctx);
            if (bs.sink || bs.now) {
                metrics_.http_requests.fetch_add(1, std::memory_order_relaxed);
                const bool again = co_await serve_streamed(stream, buffer, head, bs, options_,
                                                           metrics_, active_requests_, stopping_);
                if (again) continue;
                co_return;
            }
        }
        std::optional<http::request_parser<http::string_body>> parser;
        if (!ec) {
            parser.emplace(std::move(head));
            parser->body_limit(options_.max_body_bytes);
            if (parser->content_length().value_or(0) > options_.max_body_bytes) {
                ec = http::error::body_limit;
            } else if (!parser->is_done()) {
                std::tie(ec, n) =
                    co_await http::async_read(stream, buffer, *parser, as_tuple(use_awaitable));
            }
        }
        if (ec == beast::error::timeout) metrics_.security.count(core::Limit::http_timeout);
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof) {
            break;
        }
        if (ec) {
            metrics_.http_malformed.fetch_add(1, std::memory_order_relaxed);
            if (ec == http::error::header_limit) metrics_.security.count(core::Limit::http_header);
            if (ec == http::error::body_limit) metrics_.security.count(core::Limit::http_body);
            auto res =
                ec == http::error::header_limit
                    ? plain_error(http::status::request_header_fields_too_large,
                                  "headers_too_large", ec.message(), 11)
                : ec == http::error::body_limit
                    ? plain_error(http::status::payload_too_large, "body_too_large", ec.message(),
                                  11)
                    : plain_error(http::status::bad_request, "bad_request", ec.message(), 11);
            count_response(metrics_, res.result_int());
            co_await http::async_write(stream, res, as_tuple(use_awaitable));
            break;
        }
        metrics_.http_requests.fetch_add(1, std::memory_order_relaxed);
        HttpRequest req = parser->release();
        if (beast::websocket::is_upgrade(req)) {
            const auto target = std::string_view(req.target());
            const auto path = target.substr(0, target.find('?'));
            if (path == options_.ws_path && !stopping_) {
                if (auto refusal = upgrade_refusal(req)) {
                    count_response(metrics_, refusal->result_int());
                    co_await http::async_write(stream, *refusal, as_tuple(use_awaitable));
                    break;
                }
                // The session writes the 101 itself: the connection's coroutine
                // ends here and holds nothing for the device's lifetime.
                stream.expires_never();
                // Bytes past the upgrade request are the device's first frames.
                std::string early(static_cast<const char*>(buffer.cdata().data()), buffer.size());
                auto session = std::make_shared<DeviceSession>(stream.release_socket(), hooks_,
                                                               options_, metrics_, ctx.remote,
                                                               query_value(target, "token"));
                open_connection.handed_over = true;  // ~DeviceSession counts it closed
                session->start(upgrade_response(req), std::move(early));
                co_return;
            }
            auto res = plain_error(http::status::not_found, "not_found",
                                   "WebSocket endpoint is " + options_.ws_path, req.version());
            count_response(metrics_, res.result_int());
            co_await http::async_write(stream, res, as_tuple(use_awaitable));
            break;
        }
        if (http_.takes_stream(req) && !stopping_) {
            co_await http_.stream(req, ctx, stream);
            break;
        }
        ++active_requests_;
        HttpResponse res = co_await http_.handle(req, ctx);
        const bool keep_alive = req.keep_alive() && !stopping_;
        res.version(req.version());
        res.keep_alive(keep_alive);
        res.prepare_payload();
        count_response(metrics_, res.result_int());
        stream.expires_after(options_.http_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
        --active_requests_;
        if (wec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace ptalk::gateway
