// Malformed HTTP and WebSocket input gets an error, never a crash or a hang,
// and legitimate devices keep working through it.
#include <gtest/gtest.h>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Abuse : public ::testing::Test {
  protected:
    void SetUp() override {
        server_.start();
        http_ = std::make_unique<HttpClient>(server_.port());
        fleet_ = std::make_unique<sim::Fleet>(fast_sim(server_.ws_url(), 2));
        fleet_->start();
        ASSERT_TRUE(eventually([&] { return device_ready(*http_, fleet_->ids()[0]); }, 10s));
    }
    void TearDown() override {
        // The server is alive and a real device still answers.
        EXPECT_EQ(http_->get("/healthz").status, 200u) << server_.log();
        EXPECT_EQ(http_->post("/api/v1/devices/" + fleet_->ids()[0] + "/status").status, 200u);
        EXPECT_EQ(fleet_->stats()[sim::Counter::stranded], 0);
        fleet_->stop();
        server_.terminate();
        EXPECT_EQ(server_.exit_code(), 0);
    }

    // A WebSocket client that is not a simulated device.
    std::unique_ptr<websocket::stream<beast::tcp_stream>> open_ws(const std::string& path = "/ws") {
        auto ws = std::make_unique<websocket::stream<beast::tcp_stream>>(ioc_);
        beast::get_lowest_layer(*ws).connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_.port()));
        ws->handshake("127.0.0.1", path);
        return ws;
    }

    PtalkdProcess server_{{"--handshake-timeout-ms", "500", "--http-timeout-ms", "1000"}};
    std::unique_ptr<HttpClient> http_;
    std::unique_ptr<sim::Fleet> fleet_;
    asio::io_context ioc_;
};

TEST_F(Abuse, MalformedHttpGetsAnError) {
    EXPECT_NE(raw_exchange(server_.port(), "GARBAGE\r\n\r\n").find("400"), std::string::npos);
    EXPECT_NE(raw_exchange(server_.port(), std::string(70000, 'A')).find("HTTP/1.1 4"),
              std::string::npos);
    const std::string huge_header =
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'x') + "\r\n\r\n";
    EXPECT_NE(raw_exchange(server_.port(), huge_header).find("431"), std::string::npos);
    const std::string huge_body =
        "POST /api/v1/devices/aabbccddeeff/commands HTTP/1.1\r\nHost: x\r\nContent-Length: "
        "5000000\r\n\r\n" +
        std::string(100000, '{');
    EXPECT_NE(raw_exchange(server_.port(), huge_body).find("413"), std::string::npos);
    // A request that never finishes is cut off by the server (slowloris).
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(raw_exchange(server_.port(), "GET /healthz HTTP/1.1\r\nHost:", 5000), "");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
}

TEST_F(Abuse, BadJsonBadIdsAndPathTricks) {
    const std::string dev = "/api/v1/devices/" + fleet_->ids()[0];
    EXPECT_EQ(http_->post(dev + "/commands", "{not json").status, 400u);
    EXPECT_EQ(http_->post(dev + "/commands", "[1,2]").status, 400u);
    EXPECT_EQ(http_->post(dev + "/commands", "").status, 400u);
    EXPECT_EQ(http_->post(dev + "/commands", std::string(100, '[')).status, 400u);
    EXPECT_EQ(
        http_->post(dev + "/commands", R"({"cmd":"set_volume","volume":1,"timeout_ms":-4})").status,
        400u);
    EXPECT_EQ(http_->get("/api/v1/devices/aa%00bbccddeeff").status, 400u);
    EXPECT_EQ(http_->get("/api/v1/devices/..%2f..%2fetc%2fpasswd").status, 400u);
    EXPECT_EQ(http_->get("/api/v1/../../etc/passwd").status, 400u);
    EXPECT_EQ(http_->get("/api/v1/commands/abc").status, 400u);
    EXPECT_EQ(http_->get("/api/v1/commands/999999999").status, 404u);
    EXPECT_EQ(http_->get("/api/v1/devices?limit=0").status, 400u);
    EXPECT_EQ(http_->get("/api/v1/devices?cursor=zz").status, 400u);
    EXPECT_EQ(http_->get("/api/v1/devices?online=maybe").status, 400u);
    EXPECT_EQ(http_->get("/nowhere").status, 404u);
    EXPECT_EQ(http_->request(boost::beast::http::verb::delete_, dev).status, 405u);
    EXPECT_EQ(http_->get(dev + "/reboot").status, 405u);
    auto r = http_->get("/api/v1/openapi.json");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.json.at("openapi").as_string(), "3.0.3");
}

TEST_F(Abuse, WebSocketGarbageNeverHurtsTheServer) {
    // Frames before a handshake are ignored; the handshake deadline then drops the socket.
    auto ws = open_ws();
    ws->text(true);
    ws->write(asio::buffer(std::string(R"({"status":"ok","volume":1})")));
    ws->binary(true);
    ws->write(asio::buffer(std::string("\x00\xff\x13garbage", 10)));
    ws->text(true);
    ws->write(asio::buffer(std::string(R"({"cmd":"device_handshake","device_id":"nope"})")));
    ws->write(asio::buffer(std::string(10000, '[')));
    beast::flat_buffer buf;
    beast::error_code ec;
    ws->read(buf, ec);  // the server closes TCP at the deadline: no close frame, no data
    EXPECT_TRUE(ec);
    EXPECT_NE(ec, websocket::error::closed) << "the server sent a close frame";
    // A frame over the limit ends that connection only.
    auto big = open_ws();
    big->text(true);
    big->write(
        asio::buffer(std::string(R"({"cmd":"device_handshake","device_id":"0a0b0c0d0e0f"})")));
    big->write(asio::buffer(std::string(100 * 1024, ' ')), ec);
    for (int i = 0; i < 10 && !ec; ++i)
        big->read(buf, ec);  // request_status, then the end
    EXPECT_TRUE(ec);
    // Upgrades on other paths are refused.
    EXPECT_THROW(open_ws("/elsewhere"), beast::system_error);
    auto m = http_->get("/metrics").body;
    EXPECT_EQ(m.find("ptalk_handshake_timeouts_total 0\n"), std::string::npos);
    EXPECT_EQ(m.find("ptalk_frames_total{kind=\"malformed\"} 0\n"), std::string::npos);
}

TEST_F(Abuse, AStormOfMalformedHandshakes) {
    std::vector<std::unique_ptr<websocket::stream<beast::tcp_stream>>> clients;
    for (int i = 0; i < 50; ++i) {
        auto ws = open_ws();
        ws->text(true);
        const std::string bad[] = {
            R"({"cmd":"device_handshake"})", R"({"cmd":"device_handshake","device_id":12})",
            R"({"cmd":"device_handshake","device_id":"a1b2c3d4e5f6","battery_percent":"x"})",
            R"({"cmd":"device_handshake","device_id":"zzzzzzzzzzzz"})", "\xff\xfe not utf8"};
        beast::error_code ec;
        ws->write(asio::buffer(bad[i % 5]), ec);
        clients.push_back(std::move(ws));
    }
    // None of them became a device.
    auto r = http_->get("/api/v1/devices?limit=1000");
    EXPECT_EQ(r.json.at("total").as_int64(), 2);
}

}  // namespace
}  // namespace ptalk::test
