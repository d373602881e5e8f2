#pragma once
// A Server-Sent Events client for tests: one GET on a fresh connection (with
// Last-Event-ID when given), events parsed by the CLI's SseParser as they come.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cli/sse.hpp"

namespace ptalk::test {

class SseClient {
  public:
    // Connects and sends the request; status() is the HTTP status of the answer.
    SseClient(std::uint16_t port, const std::string& target,
              std::optional<std::string> last_event_id = {});
    ~SseClient();

    [[nodiscard]] unsigned status() const noexcept { return status_; }
    // The next event, or nothing when none came within `timeout` (or the stream ended).
    std::optional<cli::SseEvent> next(std::chrono::milliseconds timeout);
    // Comments (": keep-alive") seen so far.
    [[nodiscard]] std::size_t comments() const noexcept { return comments_; }
    [[nodiscard]] bool ended() const noexcept { return ended_; }
    // Drops the connection (as a client that goes away).
    void close();

  private:
    bool read_some(std::chrono::milliseconds timeout);

    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_{ioc_};
    std::string head_;
    bool in_body_ = false;
    unsigned status_ = 0;
    cli::SseParser parser_;
    std::deque<cli::SseEvent> ready_;
    std::size_t comments_ = 0;
    bool ended_ = false;
};

}  // namespace ptalk::test
