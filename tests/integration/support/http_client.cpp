#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "ptalkd_process.hpp"

namespace ptalk::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

HttpClient::HttpClient(std::uint16_t port) : HttpClient(port, test_admin_token()) {}

HttpClient::HttpClient(std::uint16_t port, std::string token)
    : client_(cli::parse_server_url("127.0.0.1:" + std::to_string(port)), std::move(token)) {
    client_.set_timeout(std::chrono::seconds(60));
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
