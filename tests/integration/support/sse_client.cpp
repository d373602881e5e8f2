#include "sse_client.hpp"

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "ptalkd_process.hpp"

namespace ptalk::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

SseClient::SseClient(std::uint16_t port, const std::string& target,
                     std::optional<std::string> last_event_id) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    std::string req =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    // The admin token every test ptalkd starts with (docs/SECURITY.md).
    req += "Authorization: Bearer " + test_admin_token() + "\r\n";
    if (last_event_id) req += "Last-Event-ID: " + *last_event_id + "\r\n";
    req += "\r\n";
    asio::write(socket_, asio::buffer(req));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!in_body_ && !ended_ && std::chrono::steady_clock::now() < deadline)
        read_some(std::chrono::milliseconds(500));
}

SseClient::~SseClient() {
    close();
}

void SseClient::close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    ended_ = true;
}

bool SseClient::read_some(std::chrono::milliseconds timeout) {
    if (ended_ || !socket_.is_open()) return false;
    pollfd p{socket_.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[16384];
    boost::system::error_code ec;
    const auto n = socket_.read_some(asio::buffer(buf), ec);
    if (ec || n == 0) {
        ended_ = true;
        return false;
    }
    std::string_view bytes(buf, n);
    if (!in_body_) {
        head_.append(bytes);
        const auto end = head_.find("\r\n\r\n");
        if (end == std::string::npos) return true;
        if (head_.size() > 12) status_ = static_cast<unsigned>(std::stoul(head_.substr(9, 3)));
        in_body_ = true;
        bytes = {};
        const std::string rest = head_.substr(end + 4);
        head_.resize(end);
        auto on = [this](const cli::SseEvent& e) { ready_.push_back(e); };
        for (std::size_t i = 0; i + 1 < rest.size(); ++i)
            if (rest[i] == ':' && (i == 0 || rest[i - 1] == '\n')) ++comments_;
        parser_.feed(rest, on);
        return true;
    }
    for (std::size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i] == ':' && i + 1 < bytes.size() && bytes[i + 1] == ' ' &&
            (i == 0 || bytes[i - 1] == '\n'))
            ++comments_;
    parser_.feed(bytes, [this](const cli::SseEvent& e) { ready_.push_back(e); });
    return true;
}

std::optional<cli::SseEvent> SseClient::next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (ready_.empty() && !ended_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        read_some(left);
    }
    if (ready_.empty()) return std::nullopt;
    auto e = std::move(ready_.front());
    ready_.pop_front();
    return e;
}

}  // namespace ptalk::test
