// Firmware updates of one device over real sockets (PROTOCOL.md §5): a 1 MiB
// image, nacks, a link that drops mid-transfer (the half-open updater needs a
// reboot before the retry), a bad boot, a corrupt write, a flat battery.
#include <gtest/gtest.h>

#include "ota_support.hpp"

namespace ptalk::test {
namespace {

constexpr std::size_t MiB = 1024 * 1024;

struct OtaCase : ::testing::TestWithParam<sim::Profile> {};

TEST_P(OtaCase, OneMebibyteImageToOneDevice) {
    PtalkdProcess server;
    server.start();
    HttpClient http(server.port());
    auto up = upload_firmware(http, "1.0.6", MiB);
    ASSERT_EQ(up.status, 201u) << up.body << server.log();
    auto opt = fast_sim(server.ws_url(), 1, GetParam());
    opt.firmware_version = "1.0.5";
    sim::Fleet fleet(opt);
    fleet.start();
    const auto id = fleet.ids()[0];
    ASSERT_TRUE(eventually([&] { return device_ready(http, id); }, 15s));
    auto r = http.post("/api/v1/devices/" + id + "/ota", R"({"version":"1.0.6"})");
    ASSERT_EQ(r.status, 202u) << r.body;
    EXPECT_EQ(wait_ota_final(http, id, 60s), "succeeded")
        << http.get("/api/v1/devices/" + id + "/ota").body;
    auto v = http.get("/api/v1/devices/" + id + "/ota");
    EXPECT_EQ(field(v, "percent"), "100") << v.body;
    EXPECT_EQ(field(v, "attempts"), "1");
    EXPECT_EQ(field(http.get("/api/v1/devices/" + id), "firmware_version"), "1.0.6");
    EXPECT_EQ(fleet.device(id)->settings.firmware_version, "1.0.6");
    // The audit log has the request_ota, with what was offered.
    auto h = http.get("/api/v1/devices/" + id + "/commands?limit=20");
    EXPECT_NE(h.body.find("request_ota"), std::string::npos) << h.body;
    // Again: already on it.
    EXPECT_EQ(http.post("/api/v1/devices/" + id + "/ota", R"({"version":"1.0.6"})").status, 409u);
    fleet.stop();
    server.terminate();
}

INSTANTIATE_TEST_SUITE_P(BothProfiles, OtaCase,
                         ::testing::Values(sim::Profile::firmware, sim::Profile::spec),
                         [](const auto& p) {
                             return p.param == sim::Profile::firmware ? "firmware" : "spec";
                         });

struct OneDevice {
    explicit OneDevice(std::vector<std::string> flags = {},
                       const std::function<void(sim::FleetOptions&)>& tweak = {})
        : server(std::move(flags)) {
        server.start();
        http = std::make_unique<HttpClient>(server.port());
        auto up = upload_firmware(*http, "1.0.6", 256 * 1024);
        EXPECT_EQ(up.status, 201u) << up.body;
        auto opt = fast_sim(server.ws_url(), 1);
        opt.firmware_version = "1.0.5";
        if (tweak) tweak(opt);
        fleet = std::make_unique<sim::Fleet>(opt);
        fleet->start();
        id = fleet->ids()[0];
        EXPECT_TRUE(eventually([&] { return device_ready(*http, id); }, 15s));
    }
    ~OneDevice() {
        if (::testing::Test::HasFailure()) std::cerr << "---- ptalkd log ----\n" << server.log();
        fleet->stop();
        server.terminate();
    }
    HttpResult start() {
        return http->post("/api/v1/devices/" + id + "/ota", R"({"version":"1.0.6"})");
    }
    HttpResult view() { return http->get("/api/v1/devices/" + id + "/ota"); }

    PtalkdProcess server;
    std::unique_ptr<HttpClient> http;
    std::unique_ptr<sim::Fleet> fleet;
    std::string id;
};

TEST(Ota, NacksAreResentAndTheUpdateSucceeds) {
    OneDevice d({}, [](sim::FleetOptions& o) { o.model.ota.nack_every = 7; });
    ASSERT_EQ(d.start().status, 202u);
    EXPECT_EQ(wait_ota_final(*d.http, d.id, 60s), "succeeded") << d.view().body;
    EXPECT_EQ(d.fleet->device(d.id)->settings.firmware_version, "1.0.6");
}

TEST(Ota, ALinkLostMidTransferRebootsTheDeviceThenRetries) {
    OneDevice d({}, [](sim::FleetOptions& o) {
        o.model.drop_during_ota = 1.0;
        o.model.max_ota_drops = 1;  // the first transfer loses the link, the retry does not
    });
    ASSERT_EQ(d.start().status, 202u);
    EXPECT_EQ(wait_ota_final(*d.http, d.id, 60s), "succeeded") << d.view().body;
    EXPECT_EQ(field(d.view(), "attempts"), "2") << d.view().body;
    auto metrics = d.http->get("/metrics").body;
    EXPECT_NE(metrics.find("ptalk_ota_reboots_before_retry_total 1\n"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("ptalk_ota_transfers_total{end=\"interrupted\"} 1\n"), std::string::npos)
        << metrics;
}

TEST(Ota, ARetryWithoutARebootWouldFailOnTheDevice) {
    // The simulator models the half-open updater: proof that the reboot matters.
    OneDevice d({}, [](sim::FleetOptions& o) {
        o.model.drop_during_ota = 1.0;
        o.model.max_ota_drops = 1;
    });
    ASSERT_EQ(d.start().status, 202u);
    ASSERT_TRUE(eventually([&] { return d.fleet->device(d.id)->ota_broken; }, 30s))
        << "the cut transfer left the updater half-open";
    EXPECT_EQ(wait_ota_final(*d.http, d.id, 60s), "succeeded") << d.view().body;
}

TEST(Ota, ComingBackWithTheOldVersionFails) {
    OneDevice d({}, [](sim::FleetOptions& o) { o.ota_faulty = 1; });
    ASSERT_EQ(d.start().status, 202u);
    EXPECT_EQ(wait_ota_final(*d.http, d.id, 60s), "failed");
    EXPECT_NE(field(d.view(), "error").find("came back with version 1.0.5"), std::string::npos)
        << d.view().body;
}

TEST(Ota, AnImageThatFailsItsSha256IsNotInstalled) {
    OneDevice d({"--ota-restart-grace-ms", "1500"},
                [](sim::FleetOptions& o) { o.model.ota.corrupt_writes = true; });
    ASSERT_EQ(d.start().status, 202u);
    EXPECT_EQ(wait_ota_final(*d.http, d.id, 60s), "failed");
    EXPECT_NE(field(d.view(), "error").find("not installed"), std::string::npos) << d.view().body;
    EXPECT_EQ(d.fleet->device(d.id)->settings.firmware_version, "1.0.5");
}

TEST(Ota, LowBatteryIsRefusedWithTheReason) {
    OneDevice d({}, [](sim::FleetOptions& o) {
        o.battery_min = 10;
        o.battery_max = 20;
    });
    auto r = d.start();
    EXPECT_EQ(r.status, 422u) << r.body;
    EXPECT_NE(r.body.find("battery"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("30%"), std::string::npos) << r.body;
}

TEST(Ota, BadRequestsAreClearErrors) {
    OneDevice d;
    auto unknown = d.http->post("/api/v1/devices/" + d.id + "/ota", R"({"version":"9.9.9"})");
    EXPECT_EQ(unknown.status, 404u) << unknown.body;
    EXPECT_EQ(d.http->post("/api/v1/devices/" + d.id + "/ota", R"({"version":7})").status, 400u);
    EXPECT_EQ(d.http->post("/api/v1/devices/aabbccddeeff/ota", R"({"version":"1.0.6"})").status,
              404u);
    EXPECT_EQ(d.http->get("/api/v1/devices/aabbccddeeff/ota").status, 404u);
    // Other commands while the transfer owns the socket: device_busy at once.
    ASSERT_EQ(d.start().status, 202u);
    ASSERT_EQ(d.start().status, 409u) << "one update per device";
    EXPECT_EQ(wait_ota_final(*d.http, d.id, 60s), "succeeded");
}

TEST(Ota, TheGenericCommandEndpointStartsAnUpdateToo) {
    OneDevice d;
    auto r = d.http->post("/api/v1/devices/" + d.id + "/commands",
                          R"({"cmd":"request_ota","version":"1.0.6"})");
    ASSERT_EQ(r.status, 202u) << r.body;
    EXPECT_EQ(wait_ota_final(*d.http, d.id, 60s), "succeeded");
}

TEST(Ota, ADeviceCanAskForTheNewestVersion) {
    OneDevice d({}, [](sim::FleetOptions& o) {
        o.pull_firmware = true;
        o.pull_after = 1500ms;
    });
    EXPECT_EQ(wait_ota_final(*d.http, d.id, 60s), "succeeded") << d.view().body;
    EXPECT_EQ(field(d.view(), "requested_by"), "device");
}

}  // namespace
}  // namespace ptalk::test
