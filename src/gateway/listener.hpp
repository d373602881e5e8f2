#pragma once
// The TCP listener: one port for the device WebSocket (Options::ws_path) and the
// HTTP API. Each accepted connection is placed on one of the event loops and
// stays there (gateway/event_loops.hpp).
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "core/metrics.hpp"
#include "gateway/device_hooks.hpp"
#include "gateway/event_loops.hpp"
#include "gateway/http_handler.hpp"
#include "gateway/options.hpp"
#include "gateway/tls_front.hpp"

namespace ptalk::gateway {

class Listener {
  public:
    Listener(EventLoops& loops, const Options& options, DeviceHooks& hooks, HttpHandler& http,
             core::Metrics& metrics);

    // Binds and listens; throws boost::system::system_error with a clear message on failure.
    void listen(const boost::asio::ip::tcp::endpoint& ep);
    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
    // Starts accepting.
    void start();
    // Stops accepting; connections close after the request in hand. Device
    // sessions are ended by the fleet.
    void stop();
    // HTTP requests being handled or answered right now.
    [[nodiscard]] int active_requests() const noexcept { return active_requests_.load(); }

  private:
    boost::asio::awaitable<void> accept_loop();
    // A new connection: TLS goes to the relay, anything else to serve().
    boost::asio::awaitable<void> front(boost::asio::ip::tcp::socket sock);
    boost::asio::awaitable<void> inner_accept_loop();
    boost::asio::awaitable<void> serve(boost::beast::tcp_stream stream,
                                       boost::beast::flat_buffer buffer, std::string remote);
    // The connection limits (docs/SECURITY.md): false when a connection from `addr`
    // must be closed at once. Runs on the acceptor's loop only.
    bool admit_connection(const boost::asio::ip::address& addr);

    EventLoops& loops_;
    const Options& options_;
    DeviceHooks& hooks_;
    HttpHandler& http_;
    core::Metrics& metrics_;
    boost::asio::ip::tcp::acceptor acceptor_;
    // TLS (Options::tls_cert): the relay and the loopback acceptor it relays to.
    std::unique_ptr<TlsFront> tls_;
    boost::asio::ip::tcp::acceptor inner_acceptor_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> active_requests_{0};
    // Per-IP token buckets for Options::ip_rate; touched on the acceptor's loop only.
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point at;
    };
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ptalk::gateway
