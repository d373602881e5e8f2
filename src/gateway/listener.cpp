#include "gateway/listener.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "gateway/device_session.hpp"

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

std::string endpoint_text(const tcp::socket& s) {
    beast::error_code ec;
    auto ep = s.remote_endpoint(ec);
    if (ec) return "?";
    return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

}  // namespace

Listener::Listener(asio::io_context& ioc, const Options& options, DeviceHooks& hooks,
                   HttpHandler& http, core::Metrics& metrics)
    : ioc_(ioc),
      options_(options),
      hooks_(hooks),
      http_(http),
      metrics_(metrics),
      acceptor_(asio::make_strand(ioc)) {}

void Listener::listen(const tcp::endpoint& ep) {
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

tcp::endpoint Listener::local_endpoint() const {
    return acceptor_.local_endpoint();
}

void Listener::start() {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void Listener::stop() {
    stopping_ = true;
    asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
    });
}

asio::awaitable<void> Listener::accept_loop() {
    while (!stopping_) {
        auto [ec, sock] =
            co_await acceptor_.async_accept(asio::make_strand(ioc_), as_tuple(use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) break;
            // EMFILE and friends: back off briefly instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer t(acceptor_.get_executor(), std::chrono::milliseconds(50));
            co_await t.async_wait(as_tuple(use_awaitable));
            continue;
        }
        metrics_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
        sock.set_option(tcp::no_delay(true));
        auto ex = sock.get_executor();
        asio::co_spawn(ex, serve(std::move(sock)), asio::detached);
    }
}

asio::awaitable<void> Listener::serve(tcp::socket sock) {
    const RequestContext ctx{endpoint_text(sock)};
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(options_.max_body_bytes);
        parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
        stream.expires_after(options_.http_timeout);  // slowloris
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof) {
            break;
        }
        if (ec) {
            metrics_.http_malformed.fetch_add(1, std::memory_order_relaxed);
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
        HttpRequest req = parser.release();
        if (beast::websocket::is_upgrade(req)) {
            const auto target = std::string_view(req.target());
            const auto path = target.substr(0, target.find('?'));
            if (path == options_.ws_path && !stopping_) {
                auto session =
                    std::make_shared<DeviceSession>(DeviceSession::Stream(std::move(stream)),
                                                    hooks_, options_, metrics_, ctx.remote);
                session->start(std::move(req));
                co_return;
            }
            auto res = plain_error(http::status::not_found, "not_found",
                                   "WebSocket endpoint is " + options_.ws_path, req.version());
            count_response(metrics_, res.result_int());
            co_await http::async_write(stream, res, as_tuple(use_awaitable));
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
