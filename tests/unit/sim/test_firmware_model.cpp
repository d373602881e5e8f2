#include "sim/firmware_model.hpp"

#include <gtest/gtest.h>

#include "sim_test_support.hpp"

using namespace ptalk::sim;
using namespace ptalk::sim::test;
namespace proto = ptalk::protocol;
using namespace std::chrono_literals;

namespace {

constexpr const char* id = "24a160ff3b9c";

struct Device {
    explicit Device(Profile p, ModelOptions o = {}) : model(id, {}, with_profile(o, p)) {
        model.boot(t0);
    }
    static ModelOptions with_profile(ModelOptions o, Profile p) {
        o.profile = p;
        return o;
    }
    Reaction send(const std::string& text, std::chrono::seconds after = 0s) {
        return model.on_text(text, t0 + after);
    }
    Reaction chunk(const std::vector<std::uint8_t>& c) { return model.on_binary(c, t0); }
    // The one reply a command gets, read back with the codec.
    proto::Reply reply(const std::string& text) {
        auto texts = send(text).texts();
        EXPECT_EQ(texts.size(), 1u) << text;
        return texts.empty() ? proto::Reply{} : as_reply(texts.front());
    }

    TimePoint t0 = Clock::now();
    FirmwareModel model;
};

class BothProfiles : public ::testing::TestWithParam<Profile> {};

}  // namespace

// --- handshake ------------------------------------------------------------------------

TEST(FirmwareProfile, HandshakeIsPrettyPrintedWithLowerCaseId) {
    Device d(Profile::firmware);
    auto text = d.model.handshake(d.t0);
    EXPECT_EQ(
        text.rfind("{\n\t\"cmd\":\t\"device_handshake\",\n\t\"device_id\":\t\"24a160ff3b9c\"", 0),
        0u)
        << text;
    auto h = as_handshake(text);
    EXPECT_EQ(h.device_id, id);
    EXPECT_EQ(h.firmware_version, "1.0.1");
    EXPECT_EQ(h.device_name, "PTalk");
    EXPECT_EQ(h.connectivity_state, "ONLINE");
    EXPECT_EQ(h.battery_percent, 100);
}

TEST(SpecProfile, HandshakeIsCompactWithTheDocumentedUpperCaseId) {
    Device d(Profile::spec);
    auto text = d.model.handshake(d.t0);
    EXPECT_EQ(text.find('\n'), std::string::npos);
    EXPECT_NE(text.find("\"device_id\":\"24A160FF3B9C\""), std::string::npos) << text;
    EXPECT_EQ(as_handshake(text).device_id, id);  // the codec normalises it
}

// --- every command's reply, both profiles ---------------------------------------------

TEST_P(BothProfiles, RequestStatusReportsEverythingAndUptimeCounts) {
    Device d(GetParam());
    auto c = proto::make_request_status();
    auto texts = d.send(wire(c), 7s).texts();
    ASSERT_EQ(texts.size(), 1u);
    auto r = as_reply(texts[0]);
    EXPECT_TRUE(proto::reply_answers(c, r));
    EXPECT_EQ(r.status, proto::ReplyStatus::ok);
    EXPECT_EQ(r.device_id, id);
    EXPECT_EQ(r.volume, 60);
    EXPECT_EQ(r.brightness, 100);
    EXPECT_EQ(r.device_name, "PTalk");
    EXPECT_EQ(r.firmware_version, "1.0.1");
    EXPECT_EQ(r.uptime_sec, 7);
    EXPECT_EQ(r.battery_percent, 100);
}

TEST_P(BothProfiles, SettersAnswerAndChangeTheSettings) {
    Device d(GetParam());
    for (auto& c : {*proto::make_set_volume(30), *proto::make_set_brightness(0),
                    *proto::make_set_device_name("Kitchen")}) {
        auto r = d.reply(wire(c));
        EXPECT_TRUE(proto::reply_answers(c, r)) << wire(c);
        EXPECT_EQ(r.device_id, id);
    }
    EXPECT_EQ(d.model.settings().volume, 30);
    EXPECT_EQ(d.model.settings().brightness, 0);
    EXPECT_EQ(d.model.settings().name, "Kitchen");
}

TEST_P(BothProfiles, SetWifiIsNotSupported) {
    Device d(GetParam());
    auto r = d.reply(R"({"cmd":"set_wifi","ssid":"home","password":"secret"})");
    EXPECT_EQ(r.status, proto::ReplyStatus::not_supported);
    EXPECT_EQ(r.message, "WiFi config not supported over WebSocket. Use BLE.");
}

TEST_P(BothProfiles, BleConfigAnswersThenStallsAndGoesOffline) {
    Device d(GetParam());
    auto c = proto::make_request_ble_config();
    auto r = d.send(wire(c));
    ASSERT_EQ(r.actions.size(), 3u) << r;
    EXPECT_TRUE(proto::reply_answers(c, as_reply(r.texts()[0])));
    EXPECT_EQ(r.actions[1], Action(Busy{1000ms}));
    EXPECT_EQ(r.actions[2], Action(GoOffline{}));
}

TEST_P(BothProfiles, RebootAcksThenDropsTheLinkHalfASecondLater) {
    Device d(GetParam());
    auto r = d.send(wire(proto::make_reboot()));
    ASSERT_EQ(r.actions.size(), 3u) << r;
    auto ack = as_reply(r.texts()[0]);
    EXPECT_TRUE(proto::reply_answers(proto::make_reboot(), ack));
    EXPECT_EQ(ack.message, "Rebooting...");
    // The field firmware's ack has no device_id; the documented one does.
    EXPECT_EQ(ack.device_id.has_value(), GetParam() == Profile::spec);
    EXPECT_EQ(r.actions[1], Action(Busy{500ms}));
    EXPECT_EQ(r.actions[2], Action(Restart{}));
}

TEST_P(BothProfiles, RequestOtaReplyFitsTheCommand) {
    Device d(GetParam());
    auto t = good_transfer();
    auto cmd = *proto::make_request_ota(t.offer);
    auto r = d.reply(wire(cmd));
    EXPECT_TRUE(proto::reply_answers(cmd, r));
    if (GetParam() == Profile::firmware) {
        EXPECT_EQ(r.message, "Ready to receive firmware");
        EXPECT_EQ(r.size, 10'000);
        EXPECT_EQ(r.sha256, t.offer.sha256);
    } else {
        EXPECT_EQ(r.version, "1.0.6");
    }
    EXPECT_TRUE(d.model.ota().receiving());
}

TEST_P(BothProfiles, EmotionCodesAndVoiceWordsGetNoReply) {
    Device d(GetParam());
    for (const char* text : {"ab", "START", "END", "OTA_COMPLETE"}) {
        auto r = d.send(text);
        EXPECT_TRUE(r.actions.empty()) << text;
        EXPECT_EQ(r.event, Event::voice_text);
    }
}

TEST_P(BothProfiles, ReplyDelayMakesTheDeviceBusyFirst) {
    ModelOptions o;
    o.reply_delay = 300ms;
    Device d(GetParam(), o);
    auto r = d.send(wire(proto::make_request_status()));
    ASSERT_EQ(r.actions.size(), 2u);
    EXPECT_EQ(r.actions[0], Action(Busy{300ms}));
}

TEST_P(BothProfiles, IgnoringDevicesNeverReply) {
    ModelOptions o;
    o.ignore_commands = true;
    Device d(GetParam(), o);
    auto r = d.send(wire(proto::make_request_status()));
    EXPECT_TRUE(r.actions.empty());
    EXPECT_EQ(r.event, Event::command);
}

INSTANTIATE_TEST_SUITE_P(Sim, BothProfiles, ::testing::Values(Profile::firmware, Profile::spec),
                         profile_name);

// --- the field firmware's quirks ------------------------------------------------------

TEST(FirmwareProfile, OutOfRangeValuesWrapAsUint8ThenClamp) {
    Device d(Profile::firmware);
    EXPECT_EQ(d.reply(R"({"cmd":"set_volume","volume":300})").volume, 44);
    EXPECT_EQ(d.reply(R"({"cmd":"set_volume","volume":-1})").volume, 100);
    EXPECT_EQ(d.reply(R"({"cmd":"set_volume","volume":55.9})").volume, 55);
    EXPECT_EQ(d.reply(R"({"cmd":"set_brightness","brightness":250})").brightness, 100);
    EXPECT_EQ(d.model.settings().volume, 55);
}

TEST(FirmwareProfile, MissingOrNonNumericParametersGetNoReply) {
    Device d(Profile::firmware);
    for (const char* text :
         {R"({"cmd":"set_volume"})", R"({"cmd":"set_volume","volume":"50"})",
          R"({"cmd":"set_brightness","brightness":null})", R"({"cmd":"set_device_name"})",
          R"({"cmd":"set_device_name","device_name":5})"}) {
        auto r = d.send(text);
        EXPECT_TRUE(r.actions.empty()) << text;
        EXPECT_EQ(r.event, Event::bad_command) << text;
    }
    EXPECT_EQ(d.model.settings(), DeviceSettings{});
}

TEST(FirmwareProfile, UnknownCommandsInvalidJsonAndSetWsUrlGetNoReply) {
    Device d(Profile::firmware);
    EXPECT_TRUE(d.send(R"({"cmd":"self_destruct"})").actions.empty());
    EXPECT_TRUE(d.send(R"({"cmd":"set_ws_url","url":"ws://x"})").actions.empty());
    EXPECT_TRUE(d.send(R"({"volume":3})").actions.empty());
    auto bad = d.send(R"({"cmd":"request_status")");
    EXPECT_TRUE(bad.actions.empty());
    EXPECT_EQ(bad.event, Event::invalid_json);
}

TEST(FirmwareProfile, KeysAreCaseInsensitiveAndTheFirstDuplicateWins) {
    Device d(Profile::firmware);
    auto r = d.reply(R"({"CMD":"set_volume","Volume":10,"volume":20,"cmd":"reboot"})");
    EXPECT_EQ(r.volume, 10);
    EXPECT_EQ(d.model.settings().volume, 10);
}

TEST(FirmwareProfile, AnythingAfterTheFirstJsonValueIsIgnored) {
    Device d(Profile::firmware);
    EXPECT_EQ(
        d.reply(R"({"cmd":"set_brightness","brightness":5} {"cmd":"reboot"} garbage)").brightness,
        5);
}

// --- the documented device -------------------------------------------------------------

TEST(SpecProfile, BadParametersGetInvalidParam) {
    Device d(Profile::spec);
    for (const char* text : {R"({"cmd":"set_volume","volume":300})", R"({"cmd":"set_volume"})",
                             R"({"cmd":"set_brightness","brightness":1.5})",
                             R"({"cmd":"set_device_name","device_name":""})"}) {
        auto r = d.reply(text);
        EXPECT_EQ(r.status, proto::ReplyStatus::invalid_param) << text;
        EXPECT_EQ(r.device_id, id);
    }
    EXPECT_EQ(d.model.settings(), DeviceSettings{});
}

TEST(SpecProfile, UnknownCommandsAndBadJsonAreAnswered) {
    Device d(Profile::spec);
    EXPECT_EQ(d.reply(R"({"cmd":"self_destruct"})").status, proto::ReplyStatus::invalid_command);
    EXPECT_EQ(d.reply(R"({"CMD":"request_status"})").status, proto::ReplyStatus::invalid_command);
    EXPECT_EQ(d.reply(R"({"cmd":"set_ws_url","url":"ws://x"})").status,
              proto::ReplyStatus::not_supported);
    EXPECT_EQ(d.reply(R"({"cmd":"request_status"} trailing)").status, proto::ReplyStatus::error);
}

// --- battery ----------------------------------------------------------------------------

TEST(FirmwareModel, BatteryDrainsSlowlyAndNeverReachesZero) {
    ModelOptions o;
    o.battery_start = 80;
    o.battery_drain_per_percent = 10s;
    Device d(Profile::firmware, o);
    EXPECT_EQ(d.model.battery_percent(d.t0), 80);
    EXPECT_EQ(d.model.battery_percent(d.t0 + 25s), 78);
    EXPECT_EQ(d.model.battery_percent(d.t0 + 10h), 1);
}

TEST(FirmwareModel, SettingsSurviveARebootAndStartFromWhatWasSaved) {
    Device d(Profile::firmware);
    (void)d.send(wire(*proto::make_set_volume(12)));
    (void)d.send(wire(*proto::make_set_device_name("Den")));
    d.model.boot(d.t0 + 10s);
    EXPECT_EQ(d.model.settings(), (DeviceSettings{"Den", 12, 100, "1.0.1"}));
    EXPECT_EQ(d.model.uptime_sec(d.t0 + 12s), 2);
    EXPECT_EQ(d.model.boots(), 2u);
    FirmwareModel restored("24a160ff3b9c", DeviceSettings{"Den", 12, 7, "1.0.6"}, {});
    restored.boot(d.t0);
    auto h = as_handshake(restored.handshake(d.t0));
    EXPECT_EQ(h.device_name, "Den");
    EXPECT_EQ(h.firmware_version, "1.0.6");
}
