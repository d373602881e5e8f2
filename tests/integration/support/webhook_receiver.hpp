#pragma once
// A webhook receiver for the integration tests (issue 6).
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace ptalk::test {

// A webhook receiver on loopback: answers 500 to the first `failures`
// requests, 200 afterwards (set_failures changes that); keeps every request.
class Receiver {
  public:
    explicit Receiver(int failures) : failures_(failures) {
        acceptor_.open(tcp::v4());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        thread_ = std::thread([this] { run(); });
    }
    ~Receiver() {
        stop_ = true;
        boost::system::error_code ignored;
        // Wake accept() with a connection of our own.
        tcp::socket s(ioc_);
        s.connect(acceptor_.local_endpoint(), ignored);
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    struct Got {
        std::string body, signature, event_type, attempt, event_id;
        int status = 0;  // what the receiver answered
    };
    std::vector<Got> got() {
        std::lock_guard lk(mutex_);
        return got_;
    }
    // Answer 500 until `n` requests in all were received, 200 afterwards.
    void set_failures(int n) { failures_ = n; }

  private:
    using tcp = boost::asio::ip::tcp;
    void run() {
        namespace http = boost::beast::http;
        while (!stop_) {
            boost::system::error_code ec;
            tcp::socket s(ioc_);
            acceptor_.accept(s, ec);
            if (ec || stop_) break;
            boost::beast::flat_buffer buf;
            http::request<http::string_body> req;
            http::read(s, buf, req, ec);
            if (ec) continue;
            http::status status = http::status::ok;
            {
                std::lock_guard lk(mutex_);
                const auto n = static_cast<int>(got_.size()) + 1;
                if (n <= failures_) status = http::status::internal_server_error;
                got_.push_back({req.body(), std::string(req["X-PTalk-Signature"]),
                                std::string(req["X-PTalk-Event"]),
                                std::string(req["X-PTalk-Delivery-Attempt"]),
                                std::string(req["X-PTalk-Event-Id"]), static_cast<int>(status)});
            }
            http::response<http::string_body> res{status, 11};
            res.body() = "{}";
            res.prepare_payload();
            http::write(s, res, ec);
            s.shutdown(tcp::socket::shutdown_both, ec);
        }
    }

    std::atomic<int> failures_;
    boost::asio::io_context ioc_;
    tcp::acceptor acceptor_{ioc_};
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<Got> got_;
    std::thread thread_;
};

}  // namespace ptalk::test
