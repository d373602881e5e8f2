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

TEST(Restart, SigtermKeepsTheRegistryAndDevicesReconnect) {
    restart_and_check(false);
}

TEST(Restart, Kill9KeepsTheRegistryAndDevicesReconnect) {
    restart_and_check(true);
}

}  // namespace
}  // namespace ptalk::test
