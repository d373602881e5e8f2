#include "protocol/commands.hpp"

#include <string>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace ptalk::protocol;
using namespace ptalk::protocol::test;
namespace json = boost::json;

namespace {

json::object params(std::string_view text) {
    return json::parse(text).as_object();
}

std::string encoded(const result<Command>& c) {
    if (!c) return "error: " + c.error().message();
    auto s = encode_command(*c);
    return s ? *s : "error: " + s.error().message();
}

OtaOffer good_offer() {
    OtaOffer o;
    o.version = "1.0.6";
    o.size = 1048576;
    o.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    o.chunk_size = 2048;
    o.total_chunks = 512;
    return o;
}

}  // namespace

// --- names of commands ------------------------------------------------------------

TEST(CommandKind, NamesRoundTrip) {
    for (auto k :
         {CommandKind::request_status, CommandKind::set_volume, CommandKind::set_brightness,
          CommandKind::set_device_name, CommandKind::reboot, CommandKind::request_ota,
          CommandKind::request_ble_config, CommandKind::set_wifi, CommandKind::set_ws_url}) {
        EXPECT_EQ(command_kind_from_string(to_string(k)), k) << to_string(k);
    }
}

TEST(CommandKind, UnknownAndWrongCaseNamesAreNothing) {
    EXPECT_EQ(command_kind_from_string("factory_reset"), std::nullopt);
    EXPECT_EQ(command_kind_from_string("SET_VOLUME"), std::nullopt);
    EXPECT_EQ(command_kind_from_string(""), std::nullopt);
}

// --- builders and their exact frames ----------------------------------------------

TEST(CommandBuilders, ParameterlessCommandsEncodeExactly) {
    EXPECT_EQ(encode_command(make_request_status()).value(), R"({"cmd":"request_status"})");
    EXPECT_EQ(encode_command(make_reboot()).value(), R"({"cmd":"reboot"})");
    EXPECT_EQ(encode_command(make_request_ble_config()).value(), R"({"cmd":"request_ble_config"})");
}

TEST(CommandBuilders, SettersEncodeExactly) {
    EXPECT_EQ(encoded(make_set_volume(50)), R"({"cmd":"set_volume","volume":50})");
    EXPECT_EQ(encoded(make_set_brightness(0)), R"({"cmd":"set_brightness","brightness":0})");
    EXPECT_EQ(encoded(make_set_device_name("Kitchen")),
              R"({"cmd":"set_device_name","device_name":"Kitchen"})");
    EXPECT_EQ(encoded(make_set_device_name("Küche \"2\" \\ 🎤")),
              R"({"cmd":"set_device_name","device_name":"Küche \"2\" \\ 🎤"})");
}

TEST(CommandBuilders, PercentBoundsAreInclusive) {
    for (std::int64_t v : {0, 1, 99, 100}) {
        EXPECT_TRUE(make_set_volume(v).has_value()) << v;
        EXPECT_TRUE(make_set_brightness(v).has_value()) << v;
    }
}

TEST(CommandBuilders, PercentOutOfRangeIsRejected) {
    for (std::int64_t v : {std::int64_t{-1}, std::int64_t{101}, std::int64_t{300},
                           std::int64_t{256}, std::int64_t{44 + 256}, INT64_MIN, INT64_MAX}) {
        EXPECT_EQ(make_set_volume(v).error(), err(error::out_of_range)) << v;
        EXPECT_EQ(make_set_brightness(v).error(), err(error::out_of_range)) << v;
    }
}

TEST(CommandBuilders, RequestOtaOfferEncodesEveryField) {
    EXPECT_EQ(encoded(make_request_ota(good_offer())),
              R"({"cmd":"request_ota","version":"1.0.6","size":1048576,)"
              R"("sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",)"
              R"("chunk_size":2048,"total_chunks":512})");
}

TEST(CommandBuilders, RequestOtaOfferIsValidated) {
    auto o = good_offer();
    o.version = "";
    EXPECT_EQ(make_request_ota(o).error(), err(error::invalid_text));
    o.version = std::string(32, '1');
    EXPECT_EQ(make_request_ota(o).error(), err(error::invalid_text));
    o.version = std::string(31, '1');
    EXPECT_TRUE(make_request_ota(o).has_value());

    o = good_offer();
    o.sha256 = o.sha256.substr(1);
    EXPECT_EQ(make_request_ota(o).error(), err(error::invalid_text));
    o.sha256 = std::string(64, 'g');
    EXPECT_EQ(make_request_ota(o).error(), err(error::invalid_text));
    o.sha256 = std::string(64, 'A');
    EXPECT_EQ(make_request_ota(o).error(), err(error::invalid_text));

    o = good_offer();
    o.chunk_size = 0;
    EXPECT_EQ(make_request_ota(o).error(), err(error::out_of_range));
    o.chunk_size = 4085;
    EXPECT_EQ(make_request_ota(o).error(), err(error::out_of_range));
    o.chunk_size = 4084;
    o.total_chunks = 257;
    EXPECT_TRUE(make_request_ota(o).has_value());
}

// --- device names -----------------------------------------------------------------

TEST(DeviceName, ValidNamesPass) {
    for (const char* n : {"P", "PTalk", "Kitchen speaker", "Küche", "台所", "🎤🎤", "a\u00a0b"})
        EXPECT_FALSE(validate_device_name(n)) << n;
    EXPECT_FALSE(validate_device_name(std::string(64, 'n')));
    // 16 four-byte characters: exactly 64 bytes.
    std::string emoji;
    for (int i = 0; i < 16; ++i)
        emoji += "🎤";
    EXPECT_FALSE(validate_device_name(emoji));
}

TEST(DeviceName, EmptyAndTooLongAreInvalidText) {
    EXPECT_EQ(validate_device_name(""), err(error::invalid_text));
    EXPECT_EQ(validate_device_name(std::string(65, 'n')), err(error::invalid_text));
    // 33 two-byte characters: 66 bytes although only 33 characters.
    std::string umlauts;
    for (int i = 0; i < 33; ++i)
        umlauts += "ü";
    EXPECT_EQ(validate_device_name(umlauts), err(error::invalid_text));
}

TEST(DeviceName, ControlCharactersAreInvalidText) {
    for (std::string_view n :
         {std::string_view("a\0b", 3), std::string_view("a\nb"), std::string_view("a\tb"),
          std::string_view("\x1b[31m"), std::string_view("a\x7f"), std::string_view("a\xc2\x80"),
          std::string_view("a\xc2\x9f"), std::string_view("\r")}) {
        EXPECT_EQ(validate_device_name(n), err(error::invalid_text)) << n;
    }
}

TEST(DeviceName, InvalidUtf8IsInvalidUtf8) {
    for (const char* n :
         {"\xff", "a\xc3", "\xc3\x28", "\xe2\x82", "\xe2\x28\xa1", "\xc0\xaf", "\xe0\x80\xaf",
          "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x80"}) {
        EXPECT_EQ(validate_device_name(n), err(error::invalid_utf8)) << n;
        EXPECT_EQ(make_set_device_name(n).error(), err(error::invalid_utf8)) << n;
    }
}

TEST(DeviceName, BuilderRejectsWhatTheValidatorRejects) {
    EXPECT_EQ(make_set_device_name("").error(), err(error::invalid_text));
    EXPECT_EQ(make_set_device_name("a\x7f").error(), err(error::invalid_text));
}

// --- percent values from JSON -----------------------------------------------------

TEST(ValidatePercent, IntegersAndIntegralDoublesInRange) {
    EXPECT_EQ(validate_percent(json::value(50)).value(), 50);
    EXPECT_EQ(validate_percent(json::value(0)).value(), 0);
    EXPECT_EQ(validate_percent(json::value(100u)).value(), 100);
    EXPECT_EQ(validate_percent(json::value(50.0)).value(), 50);
    EXPECT_EQ(validate_percent(json::value(-0.0)).value(), 0);
}

TEST(ValidatePercent, OutOfRange) {
    for (const auto& v :
         {json::value(300), json::value(-1), json::value(101), json::value(std::uint64_t{1} << 63),
          json::value(1e300), json::value(-1e300), json::value(100.5e1)}) {
        EXPECT_EQ(validate_percent(v).error(), err(error::out_of_range)) << v;
    }
}

TEST(ValidatePercent, NonIntegersAreWrongType) {
    for (const auto& v :
         {json::value(50.5), json::value("50"), json::value(true), json::value(nullptr),
          json::value(json::array{50}), json::value(json::object{}), json::value(0.000001)}) {
        EXPECT_EQ(validate_percent(v).error(), err(error::wrong_type)) << v;
    }
}

// --- make_command ----------------------------------------------------------------

TEST(MakeCommand, EveryAllowedCommand) {
    EXPECT_EQ(encoded(make_command("request_status", {})), R"({"cmd":"request_status"})");
    EXPECT_EQ(encoded(make_command("reboot", {})), R"({"cmd":"reboot"})");
    EXPECT_EQ(encoded(make_command("request_ble_config", {})), R"({"cmd":"request_ble_config"})");
    EXPECT_EQ(encoded(make_command("set_volume", params(R"({"volume":50})"))),
              R"({"cmd":"set_volume","volume":50})");
    EXPECT_EQ(encoded(make_command("set_volume", params(R"({"volume":50.0})"))),
              R"({"cmd":"set_volume","volume":50})");
    EXPECT_EQ(encoded(make_command("set_brightness", params(R"({"brightness":100})"))),
              R"({"cmd":"set_brightness","brightness":100})");
    EXPECT_EQ(encoded(make_command("set_device_name", params(R"({"device_name":"Den"})"))),
              R"({"cmd":"set_device_name","device_name":"Den"})");
    EXPECT_EQ(encoded(make_command("request_ota", {})), R"({"cmd":"request_ota"})");
    EXPECT_EQ(encoded(make_command("request_ota", params(R"({"version":"1.0.6"})"))),
              R"({"cmd":"request_ota","version":"1.0.6"})");
}

TEST(MakeCommand, BadPercentValuesAreRejectedWithAReason) {
    for (const char* v : {"300", "-1", "50.5", R"("50")", "true", "null", "[50]", "1e300"}) {
        std::string what;
        auto c = make_command("set_volume", params(std::string(R"({"volume":)") + v + "}"), &what);
        EXPECT_FALSE(c.has_value()) << v;
        EXPECT_NE(what.find("volume"), std::string::npos) << v;
        c = make_command("set_brightness", params(std::string(R"({"brightness":)") + v + "}"));
        EXPECT_FALSE(c.has_value()) << v;
    }
    EXPECT_EQ(make_command("set_volume", params(R"({"volume":300})")).error(),
              err(error::out_of_range));
    EXPECT_EQ(make_command("set_volume", params(R"({"volume":"50"})")).error(),
              err(error::wrong_type));
    EXPECT_EQ(make_command("set_volume", params(R"({"volume":null})")).error(),
              err(error::wrong_type));
}

TEST(MakeCommand, MissingParamsAreMissingField) {
    std::string what;
    EXPECT_EQ(make_command("set_volume", {}, &what).error(), err(error::missing_field));
    EXPECT_NE(what.find("volume"), std::string::npos);
    EXPECT_EQ(make_command("set_brightness", {}).error(), err(error::missing_field));
    EXPECT_EQ(make_command("set_device_name", {}, &what).error(), err(error::missing_field));
    EXPECT_NE(what.find("device_name"), std::string::npos);
}

TEST(MakeCommand, UnexpectedParamsAreRejected) {
    std::string what;
    EXPECT_EQ(make_command("reboot", params(R"({"delay":5})"), &what).error(),
              err(error::unexpected_param));
    EXPECT_NE(what.find("delay"), std::string::npos);
    EXPECT_EQ(make_command("request_status", params(R"({"x":1})")).error(),
              err(error::unexpected_param));
    EXPECT_EQ(make_command("request_ble_config", params(R"({"x":1})")).error(),
              err(error::unexpected_param));
    EXPECT_EQ(make_command("set_volume", params(R"({"volume":5,"brightness":5})")).error(),
              err(error::unexpected_param));
    // Parameter names are exact: the server sends what it validated.
    EXPECT_EQ(make_command("set_volume", params(R"({"Volume":5})")).error(),
              err(error::unexpected_param));
    EXPECT_EQ(make_command("set_device_name", params(R"({"device_name":"a","x":1})")).error(),
              err(error::unexpected_param));
    // The OTA engine builds the offer: an operator may only name the version.
    EXPECT_EQ(make_command("request_ota", params(R"({"version":"1.0.6","size":5})")).error(),
              err(error::unexpected_param));
}

TEST(MakeCommand, BadDeviceNamesAreRejectedWithAReason) {
    std::string what;
    EXPECT_EQ(make_command("set_device_name", params(R"({"device_name":""})"), &what).error(),
              err(error::invalid_text));
    EXPECT_FALSE(what.empty());
    EXPECT_EQ(make_command("set_device_name", params(R"({"device_name":"a\u0007"})")).error(),
              err(error::invalid_text));
    EXPECT_EQ(make_command("set_device_name", params(R"({"device_name":"a\u0085"})")).error(),
              err(error::invalid_text));
    EXPECT_EQ(make_command("set_device_name", params(R"({"device_name":42})")).error(),
              err(error::wrong_type));
    json::object raw;
    raw["device_name"] = "\xff";
    EXPECT_EQ(make_command("set_device_name", raw).error(), err(error::invalid_utf8));
}

TEST(MakeCommand, BadOtaVersionIsRejected) {
    for (const char* p : {R"({"version":""})", R"({"version":5})",
                          R"({"version":"12345678901234567890123456789012"})"}) {
        std::string what;
        EXPECT_FALSE(make_command("request_ota", params(p), &what).has_value()) << p;
        EXPECT_NE(what.find("version"), std::string::npos) << p;
    }
}

TEST(MakeCommand, WifiAndWsUrlAreNotAllowedAndSayWhy) {
    std::string what;
    EXPECT_EQ(
        make_command("set_wifi", params(R"({"ssid":"home","password":"hunter2"})"), &what).error(),
        err(error::not_allowed));
    EXPECT_NE(what.find("BLE"), std::string::npos) << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << "the reason must not echo the secret";
    what.clear();
    EXPECT_EQ(make_command("set_ws_url", params(R"({"url":"ws://x/ws"})"), &what).error(),
              err(error::not_allowed));
    EXPECT_FALSE(what.empty());
    EXPECT_EQ(make_command("set_wifi", {}).error(), err(error::not_allowed));
}

TEST(MakeCommand, UnknownCommandIsUnknownCommandWithABoundedReason) {
    std::string what;
    EXPECT_EQ(make_command("factory_reset", {}, &what).error(), err(error::unknown_command));
    EXPECT_NE(what.find("factory_reset"), std::string::npos);
    EXPECT_EQ(make_command(std::string(10000, 'x'), {}, &what).error(),
              err(error::unknown_command));
    EXPECT_LT(what.size(), 200u);
    EXPECT_EQ(make_command("", {}).error(), err(error::unknown_command));
    EXPECT_EQ(make_command("SET_VOLUME", params(R"({"volume":5})")).error(),
              err(error::unknown_command));
}

TEST(MakeCommand, WhatIsOptional) {
    EXPECT_FALSE(make_command("set_wifi", {}, nullptr).has_value());
    EXPECT_FALSE(make_command("nope", {}, nullptr).has_value());
    EXPECT_FALSE(make_command("set_volume", {}, nullptr).has_value());
}

// --- encode_command ----------------------------------------------------------------

TEST(EncodeCommand, TheLongestValidCommandFitsTheDeviceBuffer) {
    std::string name;
    for (int i = 0; i < 16; ++i)
        name += "🎤";
    auto c = make_set_device_name(name);
    ASSERT_TRUE(c.has_value());
    auto s = encode_command(*c);
    ASSERT_TRUE(s.has_value());
    EXPECT_LE(s->size(), max_device_frame_bytes);
    // A name of quotes doubles on the wire and still fits.
    s = encode_command(make_set_device_name(std::string(64, '"')).value());
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->size(), std::string(R"({"cmd":"set_device_name","device_name":""})").size() + 128);
}

TEST(EncodeCommand, AFrameOverFourKibibytesIsRefused) {
    Command c{CommandKind::set_device_name, {}};
    c.params["device_name"] = std::string(4096, 'x');
    EXPECT_EQ(encode_command(c).error(), err(error::frame_too_large_for_device));
    // Exactly 4096 bytes is still one device buffer.
    const std::size_t overhead =
        std::string(R"({"cmd":"set_device_name","device_name":""})").size();
    c.params["device_name"] = std::string(max_device_frame_bytes - overhead, 'x');
    auto s = encode_command(c);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->size(), max_device_frame_bytes);
    c.params["device_name"] = std::string(max_device_frame_bytes - overhead + 1, 'x');
    EXPECT_EQ(encode_command(c).error(), err(error::frame_too_large_for_device));
}

TEST(EncodeCommand, AParamNamedCmdIsRefusedRatherThanSentAsAnotherCommand) {
    Command c{CommandKind::set_volume, {}};
    c.params["volume"] = 5;
    c.params["cmd"] = "reboot";
    EXPECT_EQ(encode_command(c).error(), err(error::unexpected_param));
}

TEST(EncodeCommand, CmdComesFirst) {
    Command c{CommandKind::set_brightness, {}};
    c.params["brightness"] = 5;
    EXPECT_EQ(encode_command(c).value().rfind(R"({"cmd":"set_brightness",)", 0), 0u);
}

TEST(OtaCompleteFrame, IsTheDocumentedText) {
    EXPECT_EQ(ota_complete_frame, "OTA_COMPLETE");
}
