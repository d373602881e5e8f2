// A server restart (SIGTERM or kill -9) keeps the registry, and every device
// reconnects on its own: sockets are dropped at TCP level, never with a close
// frame the firmware would not recover from (PROTOCOL.md §6).
#include <gtest/gtest.h>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

constexpr std::size_t devices = 50;

void restart_and_check(bool hard) {
    PtalkdProcess server;
    server.start();
    sim::Fleet fleet(fast_sim(server.ws_url(), devices));
    fleet.start();
    {
        HttpClient http(server.port());
        ASSERT_TRUE(eventually([&] { return online(http) == devices; }, 20s)) << server.log();
        const auto id = fleet.ids()[7];
        ASSERT_EQ(
            http.patch("/api/v1/devices/" + id + "/config", R"({"device_name":"Porch"})").status,
            200u);
    }
    // SIGTERM flushes the store; kill -9 loses at most the last batch window,
    // so give the batch above time to land first.
    if (hard) {
        std::this_thread::sleep_for(300ms);
        server.kill9();
    } else {
        server.terminate();
        EXPECT_EQ(server.exit_code(), 0) << server.log();
    }
    const auto handshakes = fleet.stats()[sim::Counter::handshakes];
    server.start();
    HttpClient http(server.port());
    auto all = http.get("/api/v1/devices?limit=1000");
    EXPECT_EQ(all.json.at("total").as_int64(), static_cast<std::int64_t>(devices));
    EXPECT_TRUE(eventually([&] { return online(http) == devices; }, 20s)) << online(http);
    EXPECT_GE(fleet.stats()[sim::Counter::handshakes],
              handshakes + static_cast<std::int64_t>(devices));
    EXPECT_EQ(fleet.stats()[sim::Counter::stranded], 0);
    auto d = http.get("/api/v1/devices/" + fleet.ids()[7]);
    EXPECT_EQ(d.json.at("device_name").as_string(), "Porch");
    fleet.stop();
    server.terminate();
}

// A command in flight when the server is killed has no known outcome. After
// the restart its audit row says so (`interrupted`), rather than `sent` for ever;
// a SIGTERM would have ended it `shutdown`.
TEST(Restart, Kill9LeavesTheCommandInFlightInterrupted) {
    PtalkdProcess server{{"--no-status-after-handshake"}};  // ours is the only command
    server.start();
    auto opt = fast_sim(server.ws_url(), 1);
    opt.ignore_commands = 1;  // the command stays in flight
    sim::Fleet fleet(opt);
    fleet.start();
    std::string cid;
    {
        HttpClient http(server.port());
        const auto id = fleet.ids()[0];
        ASSERT_TRUE(eventually(
            [&] { return field(http.get("/api/v1/devices/" + id), "online") == "true"; }, 10s));
        auto q = http.post("/api/v1/devices/" + id + "/commands?wait=false",
                           R"({"cmd":"set_volume","volume":20,"timeout_ms":60000})");
        ASSERT_EQ(q.status, 202u) << q.body;
        cid = std::to_string(q.json.at("id").to_number<std::uint64_t>());
        ASSERT_TRUE(eventually(
            [&] { return field(http.get("/api/v1/commands/" + cid), "state") == "sent"; }, 5s));
        // The device's history says so too.
        auto h = http.get("/api/v1/devices/" + id + "/commands?limit=1");
        ASSERT_EQ(h.status, 200u) << h.body;
        EXPECT_EQ(h.json.at("commands").at(0).at("state").as_string(), "sent") << h.body;
    }
    std::this_thread::sleep_for(300ms);  // the "sent" row reaches the disk (one batch window)
    server.kill9();
    server.start();
    HttpClient http(server.port());
    auto c = http.get("/api/v1/commands/" + cid);
    ASSERT_EQ(c.status, 200u) << c.body;
    EXPECT_EQ(c.json.at("state").as_string(), "finished") << c.body;
    EXPECT_EQ(c.json.at("outcome").as_string(), "interrupted") << c.body;
    EXPECT_NE(server.log().find("last stopped without shutting down"), std::string::npos);
    fleet.stop();
    server.terminate();
}

TEST(Restart, SigtermKeepsTheRegistryAndDevicesReconnect) {
    restart_and_check(false);
}

TEST(Restart, Kill9KeepsTheRegistryAndDevicesReconnect) {
    restart_and_check(true);
}

}  // namespace
}  // namespace ptalk::test
