// Connection and input limits under abuse (docs/SECURITY.md): thousands of idle
// TCP connections, the connection cap, the per-IP rate, oversized frames,
// invalid UTF-8, a storm of malformed handshakes. Through all of it the server
// stays up, a legitimate device keeps working, and the store stays intact.
#include <sys/resource.h>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Room for `n` more descriptors in this process and in the ptalkd it forks.
bool raise_fd_limit(rlim_t n) {
    rlimit r{};
    if (getrlimit(RLIMIT_NOFILE, &r) != 0) return false;
    if (r.rlim_cur >= n) return true;
    r.rlim_cur = std::min<rlim_t>(n, r.rlim_max);
    return setrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur >= n;
}

std::vector<tcp::socket> open_idle(asio::io_context& ioc, std::uint16_t port, int n) {
    std::vector<tcp::socket> out;
    out.reserve(static_cast<std::size_t>(n));
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    for (int i = 0; i < n; ++i) {
        tcp::socket s(ioc);
        beast::error_code ec;
        s.connect(ep, ec);
        if (!ec) out.push_back(std::move(s));
    }
    return out;
}

class Limits : public ::testing::Test {
  protected:
    void start(std::vector<std::string> args) {
        args.insert(args.end(), {"--log-level", "warn"});
        server_ = std::make_unique<PtalkdProcess>(args);
        server_->start();
        http_ = std::make_unique<HttpClient>(server_->port());
        fleet_ = std::make_unique<sim::Fleet>(fast_sim(server_->ws_url(), 2));
        fleet_->start();
        for (const auto& id : fleet_->ids())
            ASSERT_TRUE(eventually([&] { return device_ready(*http_, id); }, 10s));
    }
    // The server is up, answers, a real device still obeys, and the store holds
    // exactly the fleet (also after a kill -9 and a restart).
    void expect_healthy() {
        HttpClient fresh(server_->port());
        EXPECT_EQ(fresh.get("/healthz").status, 200u) << server_->log();
        EXPECT_EQ(fresh.post("/api/v1/devices/" + fleet_->ids()[0] + "/status").status, 200u);
        EXPECT_EQ(fresh.get("/api/v1/devices?limit=1000").json.at("total").as_int64(), 2);
    }
    void TearDown() override {
        if (fleet_) fleet_->stop();
        if (server_) {
            // kill -9 loses at most the writes of the last batch window: let
            // the store take the fleet's rows first (the box may be loaded).
            EXPECT_TRUE(
                eventually([&] { return metric(*http_, "ptalk_store_queue_depth") == 0; }, 10s));
            std::this_thread::sleep_for(200ms);  // the batch taken is committed
            server_->kill9();
            server_->start();
            HttpClient after(server_->port());
            const auto r = after.get("/api/v1/devices?limit=1000");
            EXPECT_EQ(r.json.at("total").as_int64(), 2) << r.body;
            server_->terminate();
            EXPECT_EQ(server_->exit_code(), 0);
            if (HasFailure()) std::cerr << server_->log();
        }
    }
    std::unique_ptr<websocket::stream<beast::tcp_stream>> open_ws(
        const std::string& target = "/ws") {
        auto ws = std::make_unique<websocket::stream<beast::tcp_stream>>(ioc_);
        beast::get_lowest_layer(*ws).connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
        ws->handshake("127.0.0.1", target);
        return ws;
    }

    asio::io_context ioc_;
    std::unique_ptr<PtalkdProcess> server_;
    std::unique_ptr<HttpClient> http_;
    std::unique_ptr<sim::Fleet> fleet_;
};

TEST_F(Limits, FiveThousandIdleConnectionsThatNeverUpgrade) {
    ASSERT_TRUE(raise_fd_limit(20'000)) << "ulimit -n must allow 20000";
    start({});
    auto idle = open_idle(ioc_, server_->port(), 5000);
    EXPECT_EQ(idle.size(), 5000u);
    EXPECT_TRUE(eventually([&] { return metric(*http_, "ptalk_open_connections") >= 5000; }, 20s));
    expect_healthy();
    idle.clear();
    EXPECT_TRUE(eventually([&] { return metric(*http_, "ptalk_open_connections") < 100; }, 20s));
}

TEST_F(Limits, TheConnectionCapAndThePerIpRate) {
    ASSERT_TRUE(raise_fd_limit(4096));
    start({"--max-connections", "100"});
    {
        auto idle = open_idle(ioc_, server_->port(), 150);
        EXPECT_TRUE(eventually(
            [&] {
                return metric(*http_, "ptalk_limit_violations_total{limit=\"max_connections\"}") >=
                       40;
            },
            10s));
    }
    EXPECT_TRUE(eventually([&] { return metric(*http_, "ptalk_open_connections") < 10; }, 10s));
    expect_healthy();
}

TEST_F(Limits, PerIpConnectionRate) {
    start({"--ip-rate", "2", "--ip-burst", "40", "--ip-rate-loopback"});
    auto burst = open_idle(ioc_, server_->port(), 80);
    EXPECT_TRUE(eventually(
        [&] { return metric(*http_, "ptalk_limit_violations_total{limit=\"ip_rate\"}") >= 20; },
        10s));
    burst.clear();
    std::this_thread::sleep_for(2s);  // a token or more again
    expect_healthy();
}

TEST_F(Limits, OversizedFramesInvalidUtf8AndAHandshakeStorm) {
    start({"--max-frame-bytes", "4096", "--handshake-timeout-ms", "1000"});
    beast::flat_buffer buf;
    // An oversized frame ends that connection only.
    {
        auto big = open_ws();
        big->text(true);
        beast::error_code ec;
        big->write(asio::buffer(std::string(8192, ' ')), ec);
        for (int i = 0; i < 10 && !ec; ++i)
            big->read(buf, ec);
        EXPECT_TRUE(ec);
    }
    EXPECT_TRUE(eventually(
        [&] { return metric(*http_, "ptalk_limit_violations_total{limit=\"ws_frame\"}") >= 1; },
        5s));
    // Invalid UTF-8 in a text frame: the connection ends, no device appears.
    {
        auto bad = open_ws();
        bad->text(true);
        beast::error_code ec;
        bad->write(asio::buffer(std::string("{\"cmd\":\"device_handshake\",\"device_id\":"
                                            "\"aabbccddeeff\",\"n\":\"\xc3\x28\"}")),
                   ec);
        for (int i = 0; i < 10 && !ec; ++i)
            bad->read(buf, ec);
        EXPECT_TRUE(ec);
    }
    // Invalid UTF-8 in an API body.
    const auto r = http_->post("/api/v1/devices/" + fleet_->ids()[0] + "/commands",
                               "{\"cmd\":\"set_volume\",\"volume\":1,\"x\":\"\xff\xfe\"}");
    EXPECT_EQ(r.status / 100, 4u) << r.body;
    // A storm of malformed handshakes and upgrades, all at once.
    std::vector<std::unique_ptr<websocket::stream<beast::tcp_stream>>> clients;
    const std::string bad[] = {
        R"({"cmd":"device_handshake"})",
        R"({"cmd":"device_handshake","device_id":12})",
        R"({"cmd":"device_handshake","device_id":"zzzzzzzzzzzz"})",
        R"({"cmd":"device_handshake","device_id":"a1b2c3d4e5f6","battery_percent":"x"})",
        std::string(5000, '{'),
        "\xff\xfe not utf8"};
    for (int i = 0; i < 300; ++i) {
        try {
            auto ws = open_ws(i % 2 == 0 ? "/ws" : "/ws?token=%zz%");
            ws->text(i % 3 != 0);
            beast::error_code ec;
            ws->write(asio::buffer(bad[static_cast<std::size_t>(i) % std::size(bad)]), ec);
            clients.push_back(std::move(ws));
        } catch (const std::exception&) {
        }
    }
    // Upgrades with a bogus key and then silence: the handshake deadline ends them.
    auto raw = open_idle(ioc_, server_->port(), 100);
    for (auto& sock : raw) {
        beast::error_code ec;
        asio::write(sock,
                    asio::buffer(std::string_view(
                        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: "
                        "Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: nope\r\n\r\n")),
                    ec);
    }
    expect_healthy();
    EXPECT_TRUE(eventually(
        [&] {
            return metric(*http_, "ptalk_limit_violations_total{limit=\"handshake_timeout\"}") >=
                   100;
        },
        10s));
    clients.clear();
    raw.clear();
    expect_healthy();
}

}  // namespace
}  // namespace ptalk::test
