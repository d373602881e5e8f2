#pragma once
// A tiny WebSocket server for the simulator's tests: listens on 127.0.0.1 on
// an ephemeral port, records what each device sends and lets the test send
// frames, fragments, oversize frames, a close frame, or drop the TCP link.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace ptalk::sim::test {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

class WsPeer {
  public:
    struct Frame {
        bool binary = false;
        std::string data;
    };

    class Conn {
      public:
        explicit Conn(boost::asio::io_context& io, boost::asio::ip::tcp::socket s);
        // The next message the device sent, in order.
        std::optional<Frame> next(Millis timeout = 3s);
        // The next text message, skipping nothing: a binary one fails the test's expectation.
        std::optional<std::string> next_text(Millis timeout = 3s);
        // True once the connection ended; by_close_frame tells whether the device sent one.
        bool wait_closed(Millis timeout = 3s);
        [[nodiscard]] bool closed_by_close_frame() const;

        void send_text(const std::string& text);
        void send_binary(const std::vector<std::uint8_t>& bytes);
        // One message in several frames: the first carries the opcode, the rest are continuations.
        void send_fragments(const std::vector<std::string>& parts);
        // A WebSocket close frame: what must never be sent to a device wanted back.
        void send_close();
        // Closes the TCP socket without a close frame.
        void drop_tcp();

        std::string user_agent;
        std::string target;
        int pings = 0;

      private:
        friend class WsPeer;
        boost::asio::awaitable<void> serve(std::shared_ptr<Conn> self);
        void exec(std::function<boost::asio::awaitable<void>()> fn);

        boost::asio::io_context& io_;
        boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
        mutable std::mutex mutex_;
        std::condition_variable cv_;
        std::deque<Frame> frames_;
        bool closed_ = false;
        bool by_close_frame_ = false;
    };

    WsPeer();
    ~WsPeer();
    WsPeer(const WsPeer&) = delete;
    WsPeer& operator=(const WsPeer&) = delete;

    [[nodiscard]] unsigned short port() const noexcept { return port_; }
    [[nodiscard]] std::string url(const std::string& target = "/ws") const;
    // The next device connection accepted (in order), or null after the timeout.
    std::shared_ptr<Conn> next_connection(Millis timeout = 5s);
    [[nodiscard]] std::size_t accepted() const;

  private:
    boost::asio::awaitable<void> accept_loop();

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::shared_ptr<Conn>> conns_;
    std::size_t handed_out_ = 0;
    std::thread thread_;
};

}  // namespace ptalk::sim::test
