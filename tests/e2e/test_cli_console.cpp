// `ptalk console` in a pseudo-terminal: a session with one device online that
// sets volume, renames, reboots and waits for it, updates its firmware, and types
// while a device drops and comes back.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "protocol/firmware_image.hpp"
#include "support/cli_fixture.hpp"
#include "support/pty_session.hpp"

namespace ptalk::test {
namespace {

class Console : public FleetFixture<1> {
  protected:
    void SetUp() override {
        env_ = child_environment(home_.path(), {{"TERM", "dumb"}});
        pty_ = std::make_unique<PtySession>(
            std::vector<std::string>{"--server", url(), "console", "--poll-ms", "100"}, env_);
    }
    void TearDown() override {
        // PTALK_E2E_SHOW=1 prints the session even when it passes, to look at it.
        if (HasFailure() || std::getenv("PTALK_E2E_SHOW") != nullptr)
            std::cerr << "---- console output ----\n" << pty_->output() << "\n";
        FleetFixture<1>::TearDown();
    }
    // Types a line and waits for `answer` in what the console prints next, then
    // for the prompt: only then is readline reading raw keys again (a Ctrl-D
    // typed while the terminal is in cooked mode would be lost).
    void type(const std::string& line, const std::string& answer) {
        pty_->send_line(line);
        ASSERT_TRUE(pty_->expect(answer)) << "after `" << line << "`, expected: " << answer;
        ASSERT_TRUE(pty_->expect("> ")) << "no prompt after `" << line << "`";
    }

    TempDir home_;
    std::vector<std::string> env_;
    std::unique_ptr<PtySession> pty_;
};

TEST_F(Console, AnOperatorsSession) {
    const auto& dev = id(0);
    ASSERT_TRUE(pty_->expect("ptalk console on " + url() + ": 2 devices, 1 online"));
    ASSERT_TRUE(pty_->expect("using PTalk (" + dev + "), the only device online"));
    ASSERT_TRUE(pty_->expect("ptalk:PTalk> "));

    type("vol 75", "[PTalk] volume 75: ok (");
    EXPECT_EQ(device(0).settings.volume, 75);
    type("bright 300", "error: brightness 300 is out of range: allowed 0-100");
    type("name Living Room", "[PTalk] name 'Living Room': ok (");
    EXPECT_NE(pty_->output().find("ptalk:Living Room> "), std::string::npos);  // the prompt too
    EXPECT_EQ(device(0).settings.name, "Living Room");
    type("status", "[Living Room] name 'Living Room', volume 75, brightness 100");

    type("wifi home secret", "refused: Wi-Fi is provisioned over BLE");
    type("wsurl ws://elsewhere/ws", "refused: wsurl (set_ws_url) is reserved");
    type("ota 1.0.6", "error: no firmware 1.0.6 in the catalogue (upload it first)");
    type("stauts", "error: unknown command 'stauts'; did you mean status?");

    // Reboot: acknowledged at once; the watcher tells when the device is back.
    const auto handshakes = device(0).handshakes;
    type("reboot", "[Living Room] reboot: ok (");
    ASSERT_TRUE(pty_->expect("* Living Room (" + dev + ")"));
    ASSERT_TRUE(pty_->expect("back online"));
    EXPECT_GT(device(0).handshakes, handshakes);

    // A firmware update: the device restarts into it and the watcher says so.
    {
        HttpClient http(server_->port());
        const auto image = protocol::make_test_firmware_image("1.0.6", 64 * 1024);
        ASSERT_EQ(http.upload("/api/v1/firmware", std::string(image.begin(), image.end())).status,
                  201u);
    }
    type("ota 1.0.6", "[Living Room] update to 1.0.6: ");
    ASSERT_TRUE(pty_->expect("back online"));
    ASSERT_TRUE(eventually([&] { return device(0).settings.firmware_version == "1.0.6"; }, 30s));

    // Another target, by a mistyped id, then the offline device, then back by name.
    type("use 24a16000000", "did you mean ");
    type("use " + offline_id_, "using PTalk (" + offline_id_ + ") (offline now)");
    type("vol 5", "error: device PTalk (" + offline_id_ + ") is offline");
    // Tab completes a name with a space in it.
    pty_->send("use Liv\t\r");
    ASSERT_TRUE(pty_->expect("using Living Room (" + dev + ")"));

    type("all vol 20", "all: 1 ok, 0 failed");
    EXPECT_EQ(device(0).settings.volume, 20);
    // BLE provisioning takes the device off Wi-Fi; the watcher sees it return.
    type("ble", "[Living Room] ble: ok (");
    ASSERT_TRUE(pty_->expect("back online"));
    type("devices", "Living Room");
    type("help", "wifi SSID PASS   refused: Wi-Fi is provisioned over BLE");
    pty_->send_line("quit");
    EXPECT_EQ(pty_->wait_exit(), 0);

    std::ifstream history(home_.path() / ".local" / "state" / "ptalk" / "history");
    std::stringstream ss;
    ss << history.rdbuf();
    EXPECT_NE(ss.str().find("vol 75"), std::string::npos) << ss.str();
    EXPECT_NE(ss.str().find("name Living Room"), std::string::npos) << ss.str();
}

TEST_F(Console, EventsDoNotGarbleTheLineBeingTyped) {
    ASSERT_TRUE(pty_->expect("ptalk:"));
    const auto handshakes = device(0).handshakes;
    pty_->send("vol 3");  // half a line, no Enter yet
    fleet_->drop_link(id(0));
    ASSERT_TRUE(pty_->expect("back online"));
    EXPECT_GT(device(0).handshakes, handshakes);
    // The half-typed line is still there: finishing it sends "vol 33".
    pty_->send("3\r");
    ASSERT_TRUE(pty_->expect("volume 33: ok ("));
    ASSERT_TRUE(pty_->expect("> "));
    EXPECT_EQ(device(0).settings.volume, 33);
    pty_->send("\x04");  // Ctrl-D on an empty line ends the console
    EXPECT_EQ(pty_->wait_exit(), 0);
}

}  // namespace
}  // namespace ptalk::test
