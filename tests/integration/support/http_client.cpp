#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

namespace ptalk::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

HttpClient::HttpClient(std::uint16_t port) : port_(port) {}

HttpClient::~HttpClient() {
    if (stream_) {
        beast::error_code ec;
        stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
    }
}

void HttpClient::connect() {
    stream_.emplace(ioc_);
    stream_->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
}

HttpResult HttpClient::request(http::verb method, std::string_view target, std::string_view body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!stream_) connect();
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.keep_alive(true);
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = std::string(body);
        }
        req.prepare_payload();
        beast::error_code ec;
        stream_->expires_after(std::chrono::seconds(60));
        http::write(*stream_, req, ec);
        beast::flat_buffer buf;
        http::response<http::string_body> res;
        if (!ec) http::read(*stream_, buf, res, ec);
        if (ec) {
            stream_.reset();  // the server closed an idle keep-alive connection: retry once
            if (attempt == 1) throw beast::system_error(ec);
            continue;
        }
        HttpResult r;
        r.status = res.result_int();
        r.body = res.body();
        boost::json::error_code jec;
        auto v = boost::json::parse(r.body, jec);
        if (!jec) r.json = std::move(v);
        if (!res.keep_alive()) stream_.reset();
        return r;
    }
    return {};
}

std::string raw_exchange(std::uint16_t port, std::string_view bytes, int wait_ms) {
    asio::io_context ioc;
    beast::tcp_stream s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    beast::error_code ec;
    asio::write(s.socket(), asio::buffer(bytes.data(), bytes.size()), ec);
    std::string out;
    char buf[4096];
    s.expires_after(std::chrono::milliseconds(wait_ms));
    for (;;) {
        const auto n = s.read_some(asio::buffer(buf), ec);
        if (ec) break;
        out.append(buf, n);
    }
    return out;
}

}  // namespace ptalk::test
