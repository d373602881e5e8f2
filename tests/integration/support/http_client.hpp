#pragma once
// The tests' HTTP client: ptalk's own CLI client (one keep-alive connection),
// pointed at a port on 127.0.0.1.
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/verb.hpp>

#include "cli/http_client.hpp"

namespace ptalk::test {

using HttpResult = cli::HttpResponse;

class HttpClient {
  public:
    // Sends the test admin token (test_admin_token()) by default; "" sends none.
    explicit HttpClient(std::uint16_t port);
    HttpClient(std::uint16_t port, std::string token);

    HttpResult request(boost::beast::http::verb method, std::string_view target,
                       std::string_view body = {}) {
        return client_.request(method, target, body);
    }
    HttpResult get(std::string_view target) {
        return request(boost::beast::http::verb::get, target);
    }
    HttpResult post(std::string_view target, std::string_view body = {}) {
        return request(boost::beast::http::verb::post, target, body);
    }
    HttpResult patch(std::string_view target, std::string_view body) {
        return request(boost::beast::http::verb::patch, target, body);
    }
    // POST of raw bytes (firmware images).
    HttpResult upload(std::string_view target, std::string_view body,
                      std::string_view content_type = "application/octet-stream") {
        return client_.request(boost::beast::http::verb::post, target, body, content_type);
    }
    HttpResult del(std::string_view target) {
        return request(boost::beast::http::verb::delete_, target);
    }

  private:
    cli::HttpClient client_;
};

// Sends raw bytes on a fresh connection and returns what came back before the
// server closed or `wait_ms` passed.
std::string raw_exchange(std::uint16_t port, std::string_view bytes, int wait_ms = 1000);

}  // namespace ptalk::test
