#pragma once
// A small blocking HTTP/1.1 client for tests: one keep-alive connection.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

namespace ptalk::test {

struct HttpResult {
    unsigned status = 0;
    std::string body;
    boost::json::value json;  // null when the body is not JSON
};

class HttpClient {
  public:
    explicit HttpClient(std::uint16_t port);
    ~HttpClient();

    HttpResult request(boost::beast::http::verb method, std::string_view target,
                       std::string_view body = {});
    HttpResult get(std::string_view target) {
        return request(boost::beast::http::verb::get, target);
    }
    HttpResult post(std::string_view target, std::string_view body = {}) {
        return request(boost::beast::http::verb::post, target, body);
    }
    HttpResult patch(std::string_view target, std::string_view body) {
        return request(boost::beast::http::verb::patch, target, body);
    }

  private:
    void connect();

    std::uint16_t port_;
    boost::asio::io_context ioc_;
    std::optional<boost::beast::tcp_stream> stream_;
};

// Sends raw bytes on a fresh connection and returns what came back before the
// server closed or `wait_ms` passed.
std::string raw_exchange(std::uint16_t port, std::string_view bytes, int wait_ms = 1000);

}  // namespace ptalk::test
