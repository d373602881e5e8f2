// ptalk set, status, reboot, cmd against a real ptalkd and simulated devices.
#include <boost/json/parse.hpp>

#include "support/cli_fixture.hpp"

namespace ptalk::test {
namespace {

namespace json = boost::json;

class Control : public CliFixture {
  protected:
    static std::int64_t commands_seen() { return fleet_->stats()[sim::Counter::commands]; }
};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(Control, SetChangesTheDevice) {
    auto r = ptalk({"set", id(0), "--volume", "75", "--brightness", "40", "--name", "Living Room"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "set_volume volume 75 ok (")) << r.out;
    EXPECT_TRUE(has(r.out, "set_brightness brightness 40 ok")) << r.out;
    EXPECT_TRUE(has(r.out, "set_device_name name 'Living Room' ok")) << r.out;
    EXPECT_EQ(device(0).settings.volume, 75);
    EXPECT_EQ(device(0).settings.brightness, 40);
    EXPECT_EQ(device(0).settings.name, "Living Room");
    // The new name works as a reference at once, in any case.
    r = ptalk({"set", "living room", "--volume", "76", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out).at("results").at(0).at("outcome").as_string(), "ok");
    EXPECT_EQ(device(0).settings.volume, 76);
}

TEST_F(Control, OutOfRangeValuesAreRefusedBeforeAnythingIsSent) {
    const auto before = commands_seen();
    auto r = ptalk({"set", id(1), "--volume", "300"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "ptalk: volume 300 is out of range: allowed 0-100\n");
    r = ptalk({"set", id(1), "--brightness", "-1"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "ptalk: brightness -1 is out of range: allowed 0-100\n");
    r = ptalk({"set", id(1), "--name", std::string(65, 'x')});
    EXPECT_EQ(r.code, 2);
    r = ptalk({"set", id(1)});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "ptalk: set needs --volume, --brightness or --name\n");
    r = ptalk({"set", id(1), "--volume", "loud"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(commands_seen(), before);
    EXPECT_EQ(device(1).settings.volume, 60);
}

TEST_F(Control, StatusAsksTheDevice) {
    auto r = ptalk({"status", id(1)});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, id(1) + "): ok (")) << r.out;
    EXPECT_TRUE(has(r.out, "volume 60, brightness 100, battery ")) << r.out;
    r = ptalk({"status", id(1), "--json"});
    const auto v = json::parse(r.out);
    EXPECT_EQ(v.at("outcome").as_string(), "ok");
    EXPECT_TRUE(v.at("reply").as_object().contains("uptime_sec"));
}

TEST_F(Control, RebootWaitsUntilTheDeviceIsBack) {
    const auto handshakes = device(2).handshakes;
    auto r = ptalk({"reboot", id(2), "--wait"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "rebooting, waiting for it to come back")) << r.out;
    EXPECT_TRUE(has(r.out, "back online after ")) << r.out;
    EXPECT_GT(device(2).handshakes, handshakes);
    // Without --wait it returns once the device acknowledged.
    r = ptalk({"reboot", id(2), "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out).at("outcome").as_string(), "ok");
    HttpClient http(server_->port());
    ASSERT_TRUE(eventually([&] { return device(2).handshakes > handshakes + 1; }, 10s));
    ASSERT_TRUE(eventually([&] { return device_ready(http, id(2)); }, 10s));
}

TEST_F(Control, CmdSendsARawCommandAfterValidatingIt) {
    auto r = ptalk({"cmd", id(1), R"({"cmd":"set_brightness","brightness":55})"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "set_brightness ok (")) << r.out;
    EXPECT_TRUE(has(r.out, "reply: {")) << r.out;
    EXPECT_EQ(device(1).settings.brightness, 55);
    const auto before = commands_seen();
    r = ptalk({"cmd", id(1), R"({"cmd":"set_volume","volume":300})"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "ptalk: volume must be an integer from 0 to 100 (nothing was sent)\n");
    r = ptalk({"cmd", id(1), R"({"cmd":"dance"})"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "unknown command 'dance'")) << r.err;
    r = ptalk({"cmd", id(1), R"({"cmd":"set_wifi","ssid":"home","password":"pw"})"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "Wi-Fi is provisioned over BLE")) << r.err;
    r = ptalk({"cmd", id(1), R"({"cmd":"set_ws_url","url":"ws://x/ws"})"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "reserved")) << r.err;
    r = ptalk({"cmd", id(1), "not json"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(commands_seen(), before);
}

TEST_F(Control, AnOfflineDeviceIsExitOne) {
    auto r = ptalk({"set", offline_id_, "--volume", "10"});
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(has(r.err, "offline")) << r.err;
    r = ptalk({"status", offline_id_});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "ptalk: device PTalk (" + offline_id_ + ") is offline\n");
    r = ptalk({"reboot", offline_id_, "--json"});
    EXPECT_EQ(r.code, 1);
    // Scripts get the server's error body on stdout with --json.
    EXPECT_EQ(json::parse(r.out).at("error").at("code").as_string(), "offline");
}

}  // namespace
}  // namespace ptalk::test
