// The gateway's own WebSocket framing (protocol/ws_frame.hpp) against a
// standard client (Beast): fragmented frames from a device, pings both ways,
// a client's close answered, a silent peer dropped at the idle timeout.
#include <functional>

#include <gtest/gtest.h>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Ws = websocket::stream<beast::tcp_stream>;

std::string handshake(const std::string& id) {
    return R"({"cmd":"device_handshake","device_id":")" + id +
           R"(","firmware_version":"1.0.1","device_name":"PTalk","battery_percent":85,)"
           R"("connectivity_state":"ONLINE"})";
}

class WsFraming : public ::testing::Test {
  protected:
    void start(std::vector<std::string> args = {}) {
        server_ = std::make_unique<PtalkdProcess>(std::move(args));
        server_->start();
        http_ = std::make_unique<HttpClient>(server_->port());
    }
    void TearDown() override {
        if (!server_) return;
        EXPECT_EQ(http_->get("/healthz").status, 200u) << server_->log();
        server_->terminate();
        EXPECT_EQ(server_->exit_code(), 0);
    }

    // A device by hand: a Beast client that sends the handshake `pieces` bytes per frame.
    std::unique_ptr<Ws> device(const std::string& id, std::size_t pieces = 0) {
        auto ws = std::make_unique<Ws>(ioc_);
        beast::get_lowest_layer(*ws).connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
        ws->handshake("127.0.0.1", "/ws");
        ws->text(true);
        if (pieces > 0) {
            ws->auto_fragment(true);
            ws->write_buffer_bytes(pieces);
        }
        ws->write(asio::buffer(handshake(id)));
        return ws;
    }
    bool is_online(const std::string& id) {
        const auto r = http_->get("/api/v1/devices/" + id);
        return r.status == 200 && field(r, "online") == "true";
    }

    std::unique_ptr<PtalkdProcess> server_;
    std::unique_ptr<HttpClient> http_;
    asio::io_context ioc_;
};

TEST_F(WsFraming, AFragmentedHandshakeIsReassembledAndPingsAreAnswered) {
    start();
    auto ws = device("0a0b0c0d0e01", 16);  // 9 continuation frames
    ASSERT_TRUE(eventually([&] { return is_online("0a0b0c0d0e01"); }, 5s)) << server_->log();

    std::string pong;
    ws->control_callback([&](websocket::frame_type kind, beast::string_view payload) {
        if (kind == websocket::frame_type::pong) pong = std::string(payload);
    });
    ws->ping("are you there");
    beast::flat_buffer buf;
    std::string first;
    // Read on (the pong is seen while a read is pending) until the pong came.
    std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec,
                                                                      std::size_t) {
        if (ec) return;
        if (first.empty()) first = beast::buffers_to_string(buf.data());
        buf.clear();
        if (pong.empty()) ws->async_read(buf, on_read);
    };
    ws->async_read(buf, on_read);
    ioc_.run_for(2s);
    EXPECT_NE(first.find("request_status"), std::string::npos) << "a single text frame: " << first;
    EXPECT_EQ(pong, "are you there");
}

TEST_F(WsFraming, AClientsCloseIsAnsweredAndTheDeviceGoesOffline) {
    start({"--no-status-after-handshake"});
    auto ws = device("0a0b0c0d0e02");
    ASSERT_TRUE(eventually([&] { return is_online("0a0b0c0d0e02"); }, 5s));
    beast::error_code ec;
    ws->close(websocket::close_code::normal, ec);  // waits for the server's close frame
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(eventually([&] { return !is_online("0a0b0c0d0e02"); }, 5s));
}

TEST_F(WsFraming, ASilentPeerIsDroppedAtTheIdleTimeoutAndAnAnsweringOneStays) {
    start({"--idle-timeout-ms", "1000", "--no-status-after-handshake"});
    auto silent = device("0a0b0c0d0e03");  // never reads: never answers a ping
    auto alive = device("0a0b0c0d0e04");   // reads, so Beast answers the server's pings
    beast::flat_buffer buf;
    alive->async_read(buf, [](beast::error_code, std::size_t) {});
    ASSERT_TRUE(eventually([&] { return is_online("0a0b0c0d0e03"); }, 5s));
    ASSERT_TRUE(is_online("0a0b0c0d0e04"));
    const auto until = std::chrono::steady_clock::now() + 3500ms;
    while (std::chrono::steady_clock::now() < until)
        ioc_.run_for(100ms);
    EXPECT_FALSE(is_online("0a0b0c0d0e03")) << "silent for 3.5 s with a 1 s idle timeout";
    EXPECT_TRUE(is_online("0a0b0c0d0e04")) << "its pongs keep it connected";
}

}  // namespace
}  // namespace ptalk::test
