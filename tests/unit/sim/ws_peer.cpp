#include "ws_peer.hpp"

#include <future>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace ptalk::sim::test {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

WsPeer::Conn::Conn(net::io_context& io, net::ip::tcp::socket s) : io_(io), ws_(std::move(s)) {}

net::awaitable<void> WsPeer::Conn::serve(std::shared_ptr<Conn> self) {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    auto [rec, rn] = co_await http::async_read(ws_.next_layer(), buf, req, tuple_awaitable);
    if (!rec) {
        user_agent = std::string(req[http::field::user_agent]);
        target = std::string(req.target());
        ws_.auto_fragment(false);
        ws_.read_message_max(1 << 24);
        ws_.control_callback([this](websocket::frame_type t, beast::string_view) {
            if (t == websocket::frame_type::ping) ++pings;
        });
        auto [aec] = co_await ws_.async_accept(req, tuple_awaitable);
        rec = aec;
    }
    while (!rec) {
        beast::flat_buffer msg;
        auto [ec, n] = co_await ws_.async_read(msg, tuple_awaitable);
        if (ec) {
            std::lock_guard lock(mutex_);
            by_close_frame_ = ec == websocket::error::closed;
            break;
        }
        std::lock_guard lock(mutex_);
        frames_.push_back({ws_.got_binary(), beast::buffers_to_string(msg.data())});
        cv_.notify_all();
    }
    std::lock_guard lock(mutex_);
    closed_ = true;
    cv_.notify_all();
    (void)self;
}

std::optional<WsPeer::Frame> WsPeer::Conn::next(Millis timeout) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return !frames_.empty(); })) return std::nullopt;
    Frame f = std::move(frames_.front());
    frames_.pop_front();
    return f;
}

std::optional<std::string> WsPeer::Conn::next_text(Millis timeout) {
    auto f = next(timeout);
    if (!f || f->binary) return std::nullopt;
    return std::move(f->data);
}

bool WsPeer::Conn::wait_closed(Millis timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return closed_; });
}

bool WsPeer::Conn::closed_by_close_frame() const {
    std::lock_guard lock(mutex_);
    return by_close_frame_;
}

void WsPeer::Conn::exec(std::function<net::awaitable<void>()> fn) {
    std::promise<void> done;
    auto f = done.get_future();
    net::co_spawn(io_, fn(), [&](std::exception_ptr) { done.set_value(); });
    f.wait_for(5s);
}

void WsPeer::Conn::send_text(const std::string& text) {
    exec([&]() -> net::awaitable<void> {
        ws_.text(true);
        co_await ws_.async_write(net::buffer(text), tuple_awaitable);
    });
}

void WsPeer::Conn::send_binary(const std::vector<std::uint8_t>& bytes) {
    exec([&]() -> net::awaitable<void> {
        ws_.binary(true);
        co_await ws_.async_write(net::buffer(bytes), tuple_awaitable);
    });
}

void WsPeer::Conn::send_fragments(const std::vector<std::string>& parts) {
    exec([&]() -> net::awaitable<void> {
        ws_.text(true);
        for (std::size_t i = 0; i < parts.size(); ++i)
            co_await ws_.async_write_some(i + 1 == parts.size(), net::buffer(parts[i]),
                                          tuple_awaitable);
    });
}

void WsPeer::Conn::send_close() {
    // Not awaited to the end: a device that answers the close completes it at once.
    net::post(io_,
              [this] { ws_.async_close(websocket::close_code::normal, [](beast::error_code) {}); });
}

void WsPeer::Conn::drop_tcp() {
    net::post(io_, [this] {
        beast::error_code ec;
        beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(ws_).socket().close(ec);
    });
}

WsPeer::WsPeer() : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(io_, accept_loop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
}

WsPeer::~WsPeer() {
    std::promise<void> closed;
    net::post(io_, [&] {
        beast::error_code ec;
        acceptor_.close(ec);
        std::lock_guard lock(mutex_);
        for (auto& c : conns_)
            beast::get_lowest_layer(c->ws_).socket().close(ec);
        closed.set_value();
    });
    closed.get_future().wait_for(2s);
    io_.stop();
    thread_.join();
}

std::string WsPeer::url(const std::string& target) const {
    return "ws://127.0.0.1:" + std::to_string(port_) + target;
}

net::awaitable<void> WsPeer::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(tuple_awaitable);
        if (ec) co_return;
        auto conn = std::make_shared<Conn>(io_, std::move(socket));
        {
            std::lock_guard lock(mutex_);
            conns_.push_back(conn);
            cv_.notify_all();
        }
        net::co_spawn(io_, conn->serve(conn), net::detached);
    }
}

std::shared_ptr<WsPeer::Conn> WsPeer::next_connection(Millis timeout) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return conns_.size() > handed_out_; })) return nullptr;
    return conns_[handed_out_++];
}

std::size_t WsPeer::accepted() const {
    std::lock_guard lock(mutex_);
    return conns_.size();
}

}  // namespace ptalk::sim::test
