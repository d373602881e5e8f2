// Every command of PROTOCOL.md §3 through the REST API, against both simulator
// profiles (the field firmware with its quirks, and the documented behaviour).
#include <gtest/gtest.h>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

namespace http = boost::beast::http;

class Commands : public ::testing::TestWithParam<sim::Profile> {
  protected:
    void SetUp() override {
        server_.start();
        http_ = std::make_unique<HttpClient>(server_.port());
        fleet_ = std::make_unique<sim::Fleet>(fast_sim(server_.ws_url(), 3, GetParam()));
        fleet_->start();
        id_ = fleet_->ids()[0];
        // Every device, not only the first: a late post-handshake status to
        // another one would count as a command sent during a test.
        for (const auto& id : fleet_->ids()) {
            ASSERT_TRUE(eventually([&] { return device_ready(*http_, id); }, 10s)) << server_.log();
        }
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "---- ptalkd log ----\n" << server_.log();
        fleet_->stop();
        server_.terminate();
    }
    HttpResult command(const std::string& body) {
        return http_->post("/api/v1/devices/" + id_ + "/commands", body);
    }
    sim::DeviceSnapshot device() { return *fleet_->device(id_); }

    PtalkdProcess server_{{"--command-timeout-ms", "3000"}};
    std::unique_ptr<HttpClient> http_;
    std::unique_ptr<sim::Fleet> fleet_;
    std::string id_;
};

TEST_P(Commands, RequestStatusReportsTheFullState) {
    auto r = command(R"({"cmd":"request_status"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(field(r, "outcome"), "ok");
    const auto& reply = r.json.at("reply").as_object();
    EXPECT_TRUE(reply.contains("uptime_sec"));
    EXPECT_EQ(reply.at("volume").as_int64(), 60);
    EXPECT_EQ(reply.at("brightness").as_int64(), 100);
}

TEST_P(Commands, SettersChangeTheDeviceAndTheRegistry) {
    EXPECT_EQ(command(R"({"cmd":"set_volume","volume":75})").status, 200u);
    EXPECT_EQ(command(R"({"cmd":"set_brightness","brightness":40})").status, 200u);
    auto r = command(R"({"cmd":"set_device_name","device_name":"Living Room"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(device().settings.volume, 75);
    EXPECT_EQ(device().settings.brightness, 40);
    EXPECT_EQ(device().settings.name, "Living Room");
    auto d = http_->get("/api/v1/devices/" + id_);
    EXPECT_EQ(d.json.at("volume").as_int64(), 75);
    EXPECT_EQ(d.json.at("brightness").as_int64(), 40);
    EXPECT_EQ(d.json.at("device_name").as_string(), "Living Room");
}

TEST_P(Commands, OutOfRangeValuesAreRefusedAndNeverSent) {
    const auto before = fleet_->stats()[sim::Counter::commands];
    for (const char* body :
         {R"({"cmd":"set_volume","volume":300})", R"({"cmd":"set_volume","volume":-1})",
          R"({"cmd":"set_volume","volume":"50"})", R"({"cmd":"set_brightness","brightness":50.5})",
          R"({"cmd":"set_volume"})", R"({"cmd":"set_device_name","device_name":""})",
          R"({"cmd":"dance"})", R"({"cmd":"reboot","force":true})"}) {
        auto r = command(body);
        EXPECT_EQ(r.status, 400u) << body << " -> " << r.body;
        EXPECT_TRUE(r.json.at("error").as_object().contains("message"));
    }
    EXPECT_EQ(device().settings.volume, 60);
    EXPECT_EQ(fleet_->stats()[sim::Counter::commands], before);
}

TEST_P(Commands, WifiAndWsUrlAreRefusedWithTheReason) {
    const auto before = fleet_->stats()[sim::Counter::commands];
    auto r = command(R"({"cmd":"set_wifi","ssid":"home","password":"secret"})");
    EXPECT_EQ(r.status, 422u);
    EXPECT_NE(r.body.find("BLE"), std::string::npos);
    r = http_->post("/api/v1/devices/" + id_ + "/wifi", R"({"ssid":"home","password":"x"})");
    EXPECT_EQ(r.status, 422u);
    EXPECT_NE(r.body.find("BLE"), std::string::npos);
    r = command(R"({"cmd":"set_ws_url","url":"ws://elsewhere/ws"})");
    EXPECT_EQ(r.status, 422u);
    EXPECT_EQ(fleet_->stats()[sim::Counter::commands], before);
}

TEST_P(Commands, PatchConfigAppliesEachFieldInOrder) {
    auto r = http_->patch("/api/v1/devices/" + id_ + "/config",
                          R"({"device_name":"Kitchen","volume":10,"brightness":20})");
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto& results = r.json.at("results").as_array();
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].at("cmd").as_string(), "set_volume");
    EXPECT_EQ(results[1].at("cmd").as_string(), "set_brightness");
    EXPECT_EQ(results[2].at("cmd").as_string(), "set_device_name");
    EXPECT_EQ(device().settings.name, "Kitchen");
    // A bad field refuses the whole request before anything is sent.
    r = http_->patch("/api/v1/devices/" + id_ + "/config", R"({"volume":5,"brightness":101})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(device().settings.volume, 10);
}

TEST_P(Commands, RebootComesBackOnlineWithTheSameSettings) {
    ASSERT_EQ(command(R"({"cmd":"set_volume","volume":33})").status, 200u);
    const auto handshakes = device().handshakes;
    auto r = http_->post("/api/v1/devices/" + id_ + "/reboot");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(field(r, "outcome"), "ok");
    ASSERT_TRUE(eventually([&] { return device().handshakes > handshakes; }, 10s));
    ASSERT_TRUE(eventually([&] { return device_ready(*http_, id_); }, 10s));
    EXPECT_EQ(http_->get("/api/v1/devices/" + id_).json.at("volume").as_int64(), 33);
    EXPECT_EQ(fleet_->stats()[sim::Counter::stranded], 0);
}

TEST_P(Commands, BleConfigTakesTheDeviceOffline) {
    auto r = command(R"({"cmd":"request_ble_config"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_TRUE(eventually(
        [&] { return field(http_->get("/api/v1/devices/" + id_), "online") == "false"; }, 10s));
    r = command(R"({"cmd":"request_status"})");
    EXPECT_EQ(r.status, 409u);
    EXPECT_EQ(r.json.at("error").at("code").as_string(), "offline");
}

TEST_P(Commands, SeedEndpointClampsAndAnswersLikeTheGuide) {
    std::string upper = id_;
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto r = http_->post("/api/device/" + upper + "/config?volume=300&brightness=-5");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(field(r, "status"), "ok");
    EXPECT_EQ(field(r, "device_id"), upper);
    EXPECT_TRUE(eventually(
        [&] { return device().settings.volume == 100 && device().settings.brightness == 0; }, 5s));
    EXPECT_EQ(http_->post("/api/device/" + upper + "/config?volume=abc").status, 422u);
    EXPECT_EQ(http_->post("/api/device/000000000000/config?volume=1").status, 404u);
}

TEST_P(Commands, HistoryAndCommandLookupShowEveryOutcome) {
    auto r = command(R"({"cmd":"set_volume","volume":42})");
    ASSERT_EQ(r.status, 200u);
    const auto cid = r.json.at("id").to_number<std::uint64_t>();
    auto c = http_->get("/api/v1/commands/" + std::to_string(cid));
    ASSERT_EQ(c.status, 200u) << c.body;
    EXPECT_EQ(field(c, "outcome"), "ok");
    EXPECT_EQ(c.json.at("params").at("volume").as_int64(), 42);
    auto h = http_->get("/api/v1/devices/" + id_ + "/commands?limit=10");
    ASSERT_EQ(h.status, 200u);
    const auto& cmds = h.json.at("commands").as_array();
    ASSERT_GE(cmds.size(), 2u);  // ours and the status after the handshake
    EXPECT_EQ(cmds[0].at("id").to_number<std::uint64_t>(), cid);
    // Asynchronous: 202 with an id to read later.
    auto q = http_->post("/api/v1/devices/" + id_ + "/commands?wait=false",
                         R"({"cmd":"set_brightness","brightness":7})");
    ASSERT_EQ(q.status, 202u) << q.body;
    const auto qid = std::to_string(q.json.at("id").to_number<std::uint64_t>());
    EXPECT_TRUE(eventually(
        [&] { return field(http_->get("/api/v1/commands/" + qid), "outcome") == "ok"; }, 5s));
}

// The id a 202 gives can be read at once: the command is in the fleet's hands
// before the device's event loop has queued it and before the store has it.
TEST_P(Commands, AnAcceptedCommandCanBeReadAtOnce) {
    for (int i = 0; i < 50; ++i) {
        auto q = http_->post("/api/v1/devices/" + id_ + "/commands?wait=false",
                             R"({"cmd":"set_volume","volume":)" + std::to_string(i) + "}");
        ASSERT_EQ(q.status, 202u) << q.body;
        const auto cid = q.json.at("id").to_number<std::uint64_t>();
        auto r = http_->get("/api/v1/commands/" + std::to_string(cid));
        ASSERT_EQ(r.status, 200u) << "command " << cid << ": " << r.body;
        EXPECT_EQ(r.json.at("id").to_number<std::uint64_t>(), cid);
        EXPECT_EQ(r.json.at("cmd").as_string(), "set_volume");
    }
}

TEST_P(Commands, UnknownOfflineAndInvalidDevicesGetClearErrors) {
    EXPECT_EQ(http_->post("/api/v1/devices/ffffffffffff/commands", R"({"cmd":"reboot"})").status,
              404u);
    EXPECT_EQ(http_->post("/api/v1/devices/not-a-mac/commands", R"({"cmd":"reboot"})").status,
              400u);
    auto history = http_->get("/api/v1/devices/ffffffffffff/commands");
    EXPECT_EQ(history.status, 404u);
    EXPECT_NE(history.body.find("unknown_device"), std::string::npos) << history.body;
    EXPECT_EQ(http_->get("/api/v1/devices/" + id_ + "x").status, 400u);
    auto r = http_->get("/api/v1/devices?online=true&limit=2");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.json.at("devices").as_array().size(), 2u);
    EXPECT_EQ(r.json.at("total").as_int64(), 3);
    const std::string cursor(r.json.at("next_cursor").as_string());
    auto r2 = http_->get("/api/v1/devices?online=true&limit=2&cursor=" + cursor);
    ASSERT_EQ(r2.status, 200u);
    EXPECT_EQ(r2.json.at("devices").as_array().size(), 1u);
    EXPECT_TRUE(r2.json.at("next_cursor").is_null());
}

INSTANTIATE_TEST_SUITE_P(Profiles, Commands,
                         ::testing::Values(sim::Profile::firmware, sim::Profile::spec),
                         [](const auto& p) {
                             return p.param == sim::Profile::firmware ? "firmware" : "spec";
                         });

}  // namespace
}  // namespace ptalk::test
