// Start-up errors, a store that cannot write, and what a stop does to work in flight.
#include <fstream>

#include <gtest/gtest.h>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

TEST(Lifecycle, UnusableDataDirectoryIsAClearErrorAtStart) {
    const auto file = std::filesystem::temp_directory_path() / "ptalk-not-a-dir";
    std::ofstream(file) << "x";
    PtalkdProcess server{{"--data-dir", (file / "data").string()}};
    EXPECT_EQ(server.start_expecting_exit(), 1);
    EXPECT_NE(server.log().find("cannot open the store"), std::string::npos) << server.log();
    std::filesystem::remove(file);
}

TEST(Lifecycle, PortInUseIsAClearErrorAtStart) {
    PtalkdProcess first;
    first.start();
    PtalkdProcess second{{"--port", std::to_string(first.port())}};
    EXPECT_EQ(second.start_expecting_exit(), 1);
    EXPECT_NE(second.log().find("cannot listen"), std::string::npos) << second.log();
    first.terminate();
}

TEST(Lifecycle, FullStoreAnswers503OnWritesAndStaysUp) {
    PtalkdProcess server{{"--store-max-mb", "1"}};
    server.start();
    HttpClient http(server.port());
    auto opt = fast_sim(server.ws_url(), 20);
    sim::Fleet fleet(opt);
    fleet.start();
    ASSERT_TRUE(eventually([&] { return device_ready(http, fleet.ids()[0]); }, 10s));
    // Long names fill a 1 MiB store quickly.
    const std::string name(60, 'n');
    bool full = false;
    for (int i = 0; i < 4000 && !full; ++i) {
        auto r = http.post("/api/v1/devices/" + fleet.ids()[static_cast<std::size_t>(i) % 20] +
                               "/commands?wait=false",
                           R"({"cmd":"set_device_name","device_name":")" + name + "\"}");
        full = r.status == 503;
    }
    ASSERT_TRUE(full) << "the store never filled up";
    auto h = http.get("/healthz");
    EXPECT_EQ(h.status, 503u);
    EXPECT_EQ(field(h, "store"), "not_writable");
    EXPECT_EQ(http.post("/api/v1/devices/" + fleet.ids()[0] + "/status").status, 503u);
    EXPECT_EQ(http.get("/api/v1/devices/" + fleet.ids()[0]).status, 200u);  // reads still work
    fleet.stop();
    server.terminate();
}

TEST(Lifecycle, StopEndsCommandsInFlightAsShutdown) {
    PtalkdProcess server;
    server.start();
    HttpClient http(server.port());
    auto opt = fast_sim(server.ws_url(), 1);
    sim::Fleet fleet(opt);
    fleet.start();
    const auto id = fleet.ids()[0];
    ASSERT_TRUE(eventually([&] { return device_ready(http, id); }, 10s));
    fleet.stop();  // quiet now; ptalkd only notices at the idle timeout
    auto opt2 = opt;
    opt2.ignore_commands = 1;
    sim::Fleet quiet(opt2);
    quiet.start();
    ASSERT_TRUE(eventually(
        [&] { return field(http.get("/api/v1/devices/" + id), "online") == "true"; }, 10s));
    HttpResult result;
    std::thread waiter([&] {
        HttpClient c(server.port());
        result = c.post("/api/v1/devices/" + id + "/commands",
                        R"({"cmd":"request_status","timeout_ms":60000})");
    });
    std::this_thread::sleep_for(500ms);
    server.terminate();
    waiter.join();
    EXPECT_EQ(server.exit_code(), 0);
    EXPECT_EQ(result.status, 503u) << result.body;
    EXPECT_EQ(quiet.stats()[sim::Counter::stranded], 0);  // dropped at TCP level, no close frame
    quiet.stop();
}

}  // namespace
}  // namespace ptalk::test
