#include "protocol/frame_parser.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "device_frames.hpp"
#include "test_support.hpp"

using namespace ptalk::protocol;
using namespace ptalk::protocol::test;
using namespace ptalk::protocol::frames;

namespace {

std::string reply_with(std::string_view field, std::string_view json_value) {
    return R"({"status":"ok",")" + std::string(field) + "\":" + std::string(json_value) + "}";
}

}  // namespace

// --- §2 handshake ---------------------------------------------------------------

TEST(FrameParserHandshake, DocumentedAndFieldFormsGiveTheSameHandshake) {
    // Documented: upper-case id, compact. Field: lower-case id, pretty-printed, another order.
    for (const auto& [frame, id] : {std::pair{handshake_documented, "a1b2c3d4e5f6"},
                                    std::pair{handshake_field, "24a160ff3b9c"}}) {
        SCOPED_TRACE(frame);
        const auto h = parse_as<Handshake>(frame);
        EXPECT_EQ(h.device_id, id);
        EXPECT_EQ(h.firmware_version, "1.0.1");
        EXPECT_EQ(h.device_name, "PTalk");
        EXPECT_EQ(h.battery_percent, 85);
        EXPECT_EQ(h.connectivity_state, "ONLINE");
    }
}

TEST(FrameParserHandshake, WindowsLineEndingsAndSpacesAreWhitespace) {
    const auto h = parse_as<Handshake>(
        "\r\n  { \"cmd\" : \"device_handshake\" ,\r\n \"device_id\" : \"24a160ff3b9c\" } \r\n");
    EXPECT_EQ(h.device_id, "24a160ff3b9c");
}

TEST(FrameParserHandshake, KeysAreLookedUpCaseInsensitively) {
    const auto h = parse_as<Handshake>(
        R"({"CMD":"device_handshake","Device_ID":"24A160FF3B9C","BATTERY_PERCENT":7})");
    EXPECT_EQ(h.device_id, "24a160ff3b9c");
    EXPECT_EQ(h.battery_percent, 7);
}

TEST(FrameParserHandshake, OnlyTheDeviceIdIsRequired) {
    const auto h = parse_as<Handshake>(R"({"cmd":"device_handshake","device_id":"24a160ff3b9c"})");
    EXPECT_EQ(h.device_id, "24a160ff3b9c");
    EXPECT_EQ(h.firmware_version, "");
    EXPECT_FALSE(h.battery_percent.has_value());
}

TEST(FrameParserHandshake, ColonSeparatedIdIsAccepted) {
    const auto h =
        parse_as<Handshake>(R"({"cmd":"device_handshake","device_id":"24:A1:60:FF:3B:9C"})");
    EXPECT_EQ(h.device_id, "24a160ff3b9c");
}

TEST(FrameParserHandshake, MissingDeviceIdIsMissingField) {
    EXPECT_EQ(malformed_error(R"({"cmd":"device_handshake","firmware_version":"1.0.1"})"),
              err(error::missing_field));
}

TEST(FrameParserHandshake, BadDeviceIdIsInvalidDeviceId) {
    for (const char* id :
         {"", "24a160ff3b9", "24a160ff3b9cd", "24a160ff3b9g", "24:a1-60:ff:3b:9c"}) {
        EXPECT_EQ(
            malformed_error(R"({"cmd":"device_handshake","device_id":")" + std::string(id) + "\"}"),
            err(error::invalid_device_id))
            << id;
    }
}

TEST(FrameParserHandshake, DeviceIdOfTheWrongTypeIsWrongType) {
    EXPECT_EQ(malformed_error(R"({"cmd":"device_handshake","device_id":246016})"),
              err(error::wrong_type));
}

TEST(FrameParserHandshake, BatteryOutOfRangeIsOutOfRange) {
    for (const char* b : {"101", "-1", "1e300", "18446744073709551616"}) {
        EXPECT_EQ(malformed_error(R"({"cmd":"device_handshake","device_id":"24a160ff3b9c",)"
                                  R"("battery_percent":)" +
                                  std::string(b) + "}"),
                  err(error::out_of_range))
            << b;
    }
}

TEST(FrameParserHandshake, BatteryBoundsAreAccepted) {
    for (int b : {0, 100}) {
        const auto h = parse_as<Handshake>(
            R"({"cmd":"device_handshake","device_id":"24a160ff3b9c","battery_percent":)" +
            std::to_string(b) + "}");
        EXPECT_EQ(h.battery_percent, b);
    }
}

TEST(FrameParserHandshake, UnknownCmdIsUnknownFrame) {
    EXPECT_EQ(malformed_error(R"({"cmd":"set_volume","volume":50})"), err(error::unknown_frame));
    EXPECT_EQ(malformed_error(R"({"cmd":42})"), err(error::unknown_frame));
    EXPECT_EQ(malformed_error(R"({"cmd":"DEVICE_HANDSHAKE","device_id":"24a160ff3b9c"})"),
              err(error::unknown_frame));
}

// --- §3 replies -----------------------------------------------------------------

TEST(FrameParserReply, StatusReplyDocumentedForm) {
    const auto r = reply(status_documented);
    EXPECT_EQ(r.status, ReplyStatus::ok);
    EXPECT_EQ(r.status_text, "ok");
    EXPECT_EQ(r.device_id, "a1b2c3d4e5f6");
    EXPECT_EQ(r.device_name, "PTalk");
    EXPECT_EQ(r.battery_percent, 85);
    EXPECT_EQ(r.connectivity_state, "ONLINE");
    EXPECT_EQ(r.firmware_version, "1.0.1");
    EXPECT_EQ(r.volume, 60);
    EXPECT_EQ(r.brightness, 100);
    EXPECT_EQ(r.uptime_sec, 3600);
    EXPECT_FALSE(r.message.has_value());
}

TEST(FrameParserReply, StatusReplyFieldForm) {
    const auto r = reply(status_field);
    EXPECT_EQ(r.status, ReplyStatus::ok);
    EXPECT_EQ(r.device_id, "24a160ff3b9c");
    EXPECT_EQ(r.device_name, "PTalk");
    EXPECT_EQ(r.battery_percent, 85);
    EXPECT_EQ(r.volume, 60);
    EXPECT_EQ(r.brightness, 100);
    EXPECT_EQ(r.uptime_sec, 3600);
}

TEST(FrameParserReply, SetterRepliesInBothForms) {
    EXPECT_EQ(reply(volume_documented).volume, 50);
    EXPECT_EQ(reply(volume_field).volume, 50);
    EXPECT_EQ(reply(volume_field).device_id, "24a160ff3b9c");
    EXPECT_EQ(reply(brightness_documented).brightness, 70);
    EXPECT_EQ(reply(brightness_field).brightness, 70);
    EXPECT_FALSE(reply(brightness_field).volume.has_value());
    EXPECT_EQ(reply(name_documented).device_name, "Kitchen");
    EXPECT_EQ(reply(name_field).device_name, "Kitchen");
}

TEST(FrameParserReply, RebootAckWithAndWithoutDeviceId) {
    const auto doc = reply(reboot_documented);
    EXPECT_EQ(doc.message, "Rebooting...");
    EXPECT_EQ(doc.device_id, "a1b2c3d4e5f6");
    const auto field = reply(reboot_field);
    EXPECT_EQ(field.status, ReplyStatus::ok);
    EXPECT_EQ(field.message, "Rebooting...");
    EXPECT_FALSE(field.device_id.has_value());
}

TEST(FrameParserReply, RequestOtaDocumentedFormCarriesVersion) {
    const auto r = reply(request_ota_documented);
    EXPECT_EQ(r.version, "1.0.6");
    EXPECT_FALSE(r.message.has_value());
}

TEST(FrameParserReply, RequestOtaFieldFormCarriesSizeAndSha256) {
    const auto r = reply(request_ota_field);
    EXPECT_EQ(r.message, "Ready to receive firmware");
    EXPECT_EQ(r.size, 1048576);
    EXPECT_EQ(r.sha256, ota_sha256);
    EXPECT_FALSE(r.version.has_value());
}

TEST(FrameParserReply, BleConfigMessage) {
    const auto r = reply(ble_field);
    EXPECT_EQ(r.status, ReplyStatus::ok);
    EXPECT_EQ(r.message, "Opening BLE config mode...");
}

TEST(FrameParserReply, WifiNotSupported) {
    const auto r = reply(wifi_not_supported);
    EXPECT_EQ(r.status, ReplyStatus::not_supported);
    EXPECT_EQ(r.status_text, "not_supported");
    EXPECT_EQ(r.message, "WiFi config not supported over WebSocket. Use BLE.");
}

TEST(FrameParserReply, EveryDocumentedStatusValue) {
    EXPECT_EQ(reply(invalid_param).status, ReplyStatus::invalid_param);
    EXPECT_EQ(reply(invalid_command).status, ReplyStatus::invalid_command);
    EXPECT_EQ(reply(device_busy).status, ReplyStatus::device_busy);
    EXPECT_EQ(reply(generic_error).status, ReplyStatus::error);
    EXPECT_EQ(reply(generic_error).message, "NVS write failed");
}

TEST(FrameParserReply, UnknownStatusIsOtherWithTheTextKept) {
    const auto r = reply(R"({"status":"rebooting_now"})");
    EXPECT_EQ(r.status, ReplyStatus::other);
    EXPECT_EQ(r.status_text, "rebooting_now");
}

TEST(FrameParserReply, StatusOfTheWrongTypeIsWrongType) {
    EXPECT_EQ(malformed_error(R"({"status":1})"), err(error::wrong_type));
    EXPECT_EQ(malformed_error(R"({"status":null})"), err(error::wrong_type));
}

TEST(FrameParserReply, RawIsTheCompactReply) {
    EXPECT_EQ(reply(volume_field).raw, R"({"status":"ok","volume":50,"device_id":"24a160ff3b9c"})");
}

TEST(FrameParserReply, UnknownFieldsAreIgnored) {
    const auto r = reply(R"({"status":"ok","volume":5,"free_heap":123456,"extra":{"a":[1,2]}})");
    EXPECT_EQ(r.volume, 5);
}

TEST(FrameParserReply, NullFieldsCountAsAbsent) {
    const auto r = reply(R"({"status":"ok","volume":null,"message":null})");
    EXPECT_FALSE(r.volume.has_value());
    EXPECT_FALSE(r.message.has_value());
}

TEST(FrameParserReply, IntegralDoublesAreIntegers) {
    EXPECT_EQ(reply(reply_with("volume", "50.0")).volume, 50);
    EXPECT_EQ(reply(reply_with("volume", "5e1")).volume, 50);
}

TEST(FrameParserReply, WrongTypesAreWrongType) {
    for (const auto& [field, value] :
         std::vector<std::pair<const char*, const char*>>{{"volume", R"("50")"},
                                                          {"volume", "true"},
                                                          {"volume", "[50]"},
                                                          {"volume", "50.5"},
                                                          {"brightness", "{}"},
                                                          {"uptime_sec", R"("3600")"},
                                                          {"message", "12"},
                                                          {"device_name", "false"},
                                                          {"device_id", "[]"},
                                                          {"sha256", "1"}}) {
        EXPECT_EQ(malformed_error(reply_with(field, value)), err(error::wrong_type))
            << field << "=" << value;
    }
}

TEST(FrameParserReply, NumbersOutOfRangeAreOutOfRange) {
    for (const auto& [field, value] :
         std::vector<std::pair<const char*, const char*>>{{"volume", "-1"},
                                                          {"volume", "101"},
                                                          {"volume", "300"},
                                                          {"brightness", "256"},
                                                          {"battery_percent", "101"},
                                                          {"uptime_sec", "-5"},
                                                          {"uptime_sec", "1e300"},
                                                          {"uptime_sec", "18446744073709551615"},
                                                          {"size", "-1"},
                                                          {"size", "1e20"}}) {
        EXPECT_EQ(malformed_error(reply_with(field, value)), err(error::out_of_range))
            << field << "=" << value;
    }
}

TEST(FrameParserReply, RawReadsBackAsTheSameReply) {
    for (auto frame : {status_field, request_ota_field, reboot_field, wifi_not_supported}) {
        const auto r = reply(frame);
        const auto again = reply(r.raw);
        EXPECT_EQ(again.raw, r.raw);
        EXPECT_EQ(again.status_text, r.status_text);
        EXPECT_EQ(again.device_id, r.device_id);
    }
}

TEST(FrameParserReply, NumberBeyondADoubleAnywhereIsOutOfRange) {
    // Found by fuzzing: it became "Infinity" in raw, which is not JSON.
    EXPECT_EQ(malformed_error(R"({"status":"ok","unknown":51e3000})"), err(error::out_of_range));
    EXPECT_EQ(malformed_error(R"({"status":"ok","volume":1e400})"), err(error::out_of_range));
}

TEST(FrameParserReply, TooLongFieldIsInvalidText) {
    EXPECT_EQ(malformed_error(reply_with("message", "\"" + std::string(300, 'm') + "\"")),
              err(error::invalid_text));
}

// --- §5 OTA acks and firmware pull -----------------------------------------------

TEST(FrameParserOta, AckAndNackCompactAndPretty) {
    EXPECT_EQ(parse_as<OtaAck>(R"({"ota_ack":3})").seq, 3u);
    EXPECT_EQ(parse_as<OtaAck>("{\n\t\"ota_ack\":\t0\n}").seq, 0u);
    EXPECT_EQ(parse_as<OtaNack>(R"({"ota_nack":7})").seq, 7u);
    EXPECT_EQ(parse_as<OtaNack>("{\n\t\"ota_nack\":\t12\n}").seq, 12u);
    EXPECT_EQ(parse_as<OtaAck>(R"({"ota_ack":4294967295})").seq, 4294967295u);
    EXPECT_EQ(parse_as<OtaAck>(R"({"ota_ack":3.0})").seq, 3u);
}

TEST(FrameParserOta, BadSeqIsTypedError) {
    EXPECT_EQ(malformed_error(R"({"ota_ack":-1})"), err(error::out_of_range));
    EXPECT_EQ(malformed_error(R"({"ota_ack":4294967296})"), err(error::out_of_range));
    EXPECT_EQ(malformed_error(R"({"ota_nack":18446744073709551615})"), err(error::out_of_range));
    EXPECT_EQ(malformed_error(R"({"ota_ack":1e300})"), err(error::out_of_range));
    EXPECT_EQ(malformed_error(R"({"ota_ack":1.5})"), err(error::wrong_type));
    EXPECT_EQ(malformed_error(R"({"ota_ack":"3"})"), err(error::wrong_type));
    EXPECT_EQ(malformed_error(R"({"ota_nack":null})"), err(error::wrong_type));
}

TEST(FrameParserPull, WithVersionSizeAndSha256) {
    const auto p = parse_as<FirmwarePull>(
        "{\n\t\"action\":\t\"update_firmware\",\n\t\"version\":\t\"1.0.6\",\n\t\"size\":\t1048576,"
        "\n\t\"sha256\":\t\"" +
        std::string(ota_sha256) + "\"\n}");
    EXPECT_EQ(p.version, "1.0.6");
    EXPECT_EQ(p.size, 1048576);
    EXPECT_EQ(p.sha256, ota_sha256);
}

TEST(FrameParserPull, WithoutOptionalFields) {
    const auto p = parse_as<FirmwarePull>(R"({"action":"update_firmware"})");
    EXPECT_FALSE(p.version.has_value());
    EXPECT_FALSE(p.size.has_value());
    EXPECT_FALSE(p.sha256.has_value());
}

TEST(FrameParserPull, VersionOnly) {
    const auto p = parse_as<FirmwarePull>(R"({"version":"1.0.7","action":"update_firmware"})");
    EXPECT_EQ(p.version, "1.0.7");
    EXPECT_FALSE(p.size.has_value());
}

TEST(FrameParserPull, BadFieldsAndUnknownActionsAreTypedErrors) {
    EXPECT_EQ(malformed_error(R"({"action":"update_firmware","size":"big"})"),
              err(error::wrong_type));
    EXPECT_EQ(malformed_error(R"({"action":"update_firmware","size":-4})"),
              err(error::out_of_range));
    EXPECT_EQ(malformed_error(R"({"action":"update_firmware","version":1.06})"),
              err(error::wrong_type));
    EXPECT_EQ(malformed_error(R"({"action":"factory_reset"})"), err(error::unknown_frame));
}

// --- §1 voice traffic -------------------------------------------------------------

TEST(FrameParserVoice, StartEndAndEmotionCodesAreVoiceText) {
    for (const char* t : {"START", "END", "ha", "01", ":)", "-1"})
        EXPECT_EQ(parse_as<VoiceText>(t).text, t);
}

TEST(FrameParserVoice, LongVoiceTextIsCappedForLogs) {
    const auto v = parse_as<VoiceText>(std::string(1000, 'A'));
    EXPECT_EQ(v.text, std::string(64, 'A'));
}

TEST(FrameParserVoice, CappingNeverCutsAUtf8Sequence) {
    const auto v = parse_as<VoiceText>(std::string(63, 'A') + "\xc3\xbc" + "tail");
    EXPECT_EQ(v.text, std::string(63, 'A'));
    EXPECT_EQ(parse_as<VoiceText>("\xc3\xbc\xc3\xbc").text, "\xc3\xbc\xc3\xbc");
}

TEST(FrameParserVoice, BinaryFramesAreAudioWhateverTheyHold) {
    const std::string audio("\x00\x01\xff{\"ota_ack\":1}", 16);
    auto m = parse_device_frame(audio, true);
    ASSERT_TRUE(std::holds_alternative<VoiceBinary>(m)) << message_kind(m);
    EXPECT_EQ(std::get<VoiceBinary>(m).size, 16u);
    m = parse_device_frame(R"({"ota_ack":1})", true);
    ASSERT_TRUE(std::holds_alternative<VoiceBinary>(m));
    m = parse_device_frame({}, true);
    ASSERT_TRUE(std::holds_alternative<VoiceBinary>(m));
    EXPECT_EQ(std::get<VoiceBinary>(m).size, 0u);
}

TEST(FrameParserVoice, LargeBinaryFramesAreNotLimitedByTheTextLimit) {
    const std::string audio(256 * 1024, '\x7f');
    const auto m = parse_device_frame(audio, true);
    ASSERT_TRUE(std::holds_alternative<VoiceBinary>(m));
    EXPECT_EQ(std::get<VoiceBinary>(m).size, audio.size());
}

// --- hostile input ----------------------------------------------------------------

TEST(FrameParserHostile, EmptyTextFrame) {
    EXPECT_EQ(malformed_error(""), err(error::empty_frame));
}

TEST(FrameParserHostile, BinaryGarbageSentAsText) {
    EXPECT_EQ(malformed_error(std::string("\xff\xfe\x00\x01\x02", 5)), err(error::invalid_utf8));
    EXPECT_EQ(malformed_error(std::string("\x00\x01\x02\xff\xfe", 5)), err(error::invalid_text));
    EXPECT_EQ(malformed_error("\xc3\x28 garbage"), err(error::invalid_utf8));
    EXPECT_EQ(malformed_error(std::string("ST\0RT", 5)), err(error::invalid_text));
    EXPECT_EQ(malformed_error("\x1b[2J"), err(error::invalid_text));
}

TEST(FrameParserHostile, OneMebibyteOverTheLimitIsFrameTooLarge) {
    const std::string big = R"({"status":"ok","message":")" + std::string(1 << 20, 'x') + "\"}";
    EXPECT_EQ(malformed_error(big), err(error::frame_too_large));
    EXPECT_EQ(malformed_error(std::string(1 << 20, 'A')), err(error::frame_too_large));
}

TEST(FrameParserHostile, OneMebibyteUnderARaisedLimit) {
    const ParseLimits roomy{.max_text_bytes = 2 << 20};
    const std::string huge(1 << 20, 'x');
    // In a field the parser reads: too long for it.
    EXPECT_EQ(malformed_error(R"({"status":"ok","message":")" + huge + "\"}", roomy),
              err(error::invalid_text));
    // In a field nobody reads: parsed and ignored.
    const auto r = parse_as<Reply>(R"({"status":"ok","blob":")" + huge + R"(","volume":9})", roomy);
    EXPECT_EQ(r.volume, 9);
    // As a key.
    EXPECT_EQ(parse_as<Malformed>("{\"" + huge + "\":1}", roomy).error, err(error::invalid_json));
}

TEST(FrameParserHostile, DeepNestingIsAnError) {
    EXPECT_EQ(malformed_error(std::string(10000, '[')), err(error::too_deep));
    std::string objects;
    for (int i = 0; i < 10000; ++i)
        objects += R"({"a":)";
    EXPECT_EQ(malformed_error(objects), err(error::too_deep));
}

TEST(FrameParserHostile, NestingUpToTheLimitIsAccepted) {
    // The object itself plus seven arrays: eight levels, the default limit.
    const auto r = reply(R"({"status":"ok","x":[[[[[[[1]]]]]]]})");
    EXPECT_EQ(r.status, ReplyStatus::ok);
    EXPECT_EQ(malformed_error(R"({"status":"ok","x":[[[[[[[[1]]]]]]]]})"), err(error::too_deep));
}

TEST(FrameParserHostile, FirstDuplicateKeyWinsCaseInsensitively) {
    EXPECT_EQ(reply(R"({"status":"ok","Volume":30,"volume":50})").volume, 30);
    EXPECT_EQ(reply(R"({"STATUS":"error","status":"ok"})").status, ReplyStatus::error);
    EXPECT_EQ(parse_as<OtaAck>(R"({"ota_ack":1,"OTA_ACK":2,"ota_ack":3})").seq, 1u);
    // A later duplicate is dropped even when it would have been invalid.
    EXPECT_EQ(reply(R"({"status":"ok","volume":30,"VOLUME":"loud","volume":{"x":[1]}})").volume,
              30);
    // And a later duplicate does not rescue an invalid first one.
    EXPECT_EQ(malformed_error(R"({"status":"ok","volume":"loud","volume":30})"),
              err(error::wrong_type));
}

TEST(FrameParserHostile, InvalidUtf8InsideJsonStrings) {
    for (const char* bad :
         {"\xff", "\xc3\x28", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80"}) {
        EXPECT_EQ(malformed_error(R"({"status":"ok","message":")" + std::string(bad) + "\"}"),
                  err(error::invalid_utf8))
            << "in a value";
        EXPECT_EQ(malformed_error("{\"status\":\"ok\",\"" + std::string(bad) + "\":1}"),
                  err(error::invalid_utf8))
            << "in a key";
    }
    EXPECT_EQ(malformed_error(R"({"status":"ok","message":"\ud800\u0041"})"),
              err(error::invalid_utf8));
    EXPECT_EQ(malformed_error(R"({"status":"ok","message":"\udc00x"})"), err(error::invalid_utf8));
}

TEST(FrameParserHostile, ValidUtf8IsKept) {
    EXPECT_EQ(reply(R"({"status":"ok","device_name":"Küche 🎤"})").device_name, "Küche 🎤");
    EXPECT_EQ(reply(R"({"status":"ok","device_name":"\u00fc\ud83c\udfa4"})").device_name, "ü🎤");
}

TEST(FrameParserHostile, JsonThatIsNotAnObject) {
    EXPECT_EQ(malformed_error("[1,2,3]"), err(error::not_an_object));
    EXPECT_EQ(malformed_error(R"("just a string")"), err(error::not_an_object));
    EXPECT_EQ(malformed_error("12345"), err(error::not_an_object));
    EXPECT_EQ(malformed_error("-2.5e3"), err(error::not_an_object));
    EXPECT_EQ(malformed_error(" [] "), err(error::not_an_object));
}

TEST(FrameParserHostile, ObjectsThatFitNoShapeAreUnknownFrames) {
    EXPECT_EQ(malformed_error("{}"), err(error::unknown_frame));
    EXPECT_EQ(malformed_error(R"({"hello":"world"})"), err(error::unknown_frame));
}

TEST(FrameParserHostile, TruncatedJson) {
    for (const char* t :
         {"{", "[", "\"", R"({"status")", R"({"status":"ok",)", R"({"status":"o)", R"({"ota_ack":)",
          R"({"status":"ok","volume":5)", R"({"status":"ok","x":[1,2)"}) {
        EXPECT_EQ(malformed_error(t), err(error::invalid_json)) << t;
    }
}

TEST(FrameParserHostile, EveryStrictPrefixOfARealFrameIsInvalidJson) {
    for (auto frame : {handshake_documented, handshake_field, status_field, request_ota_field,
                       reboot_field, wifi_not_supported}) {
        for (std::size_t n = 1; n < frame.size(); ++n) {
            const auto m = parse_device_frame(frame.substr(0, n), false);
            const auto* bad = std::get_if<Malformed>(&m);
            ASSERT_NE(bad, nullptr) << "prefix " << n << " parsed as " << message_kind(m);
            EXPECT_EQ(bad->error, err(error::invalid_json)) << frame.substr(0, n);
        }
    }
}

TEST(FrameParserHostile, SyntaxErrorsAreInvalidJson) {
    for (const char* t : {R"({"status":ok})", R"({"status":"ok",})", R"({status:"ok"})",
                          R"({"status":"ok" "volume":1})", R"({"status":'ok'})", "{\"a\":01}",
                          R"({"status":"ok","volume":+1})", R"({"status":"ok","volume":NaN})"}) {
        EXPECT_EQ(malformed_error(t), err(error::invalid_json)) << t;
    }
}

TEST(FrameParserHostile, TrailingBytesAfterTheFirstValueAreIgnored) {
    EXPECT_EQ(parse_as<OtaAck>(R"({"ota_ack":3} garbage)").seq, 3u);
    EXPECT_EQ(reply(R"({"status":"ok","volume":1}{"status":"error"})").volume, 1);
    EXPECT_EQ(parse_as<OtaAck>(std::string("{\"ota_ack\":4}\0\xff\xfe", 16)).seq, 4u);
}

TEST(FrameParserHostile, MalformedDetailIsShortAndNamesTheField) {
    const auto bad =
        parse_as<Malformed>(reply_with("volume", "\"" + std::string(5000, 'x') + "\""));
    EXPECT_NE(bad.detail.find("volume"), std::string::npos);
    EXPECT_LT(bad.detail.size(), 200u);
}

TEST(FrameParserHostile, ManyKeysAndLongArraysAreBounded) {
    std::string many = R"({"status":"ok")";
    for (int i = 0; i < 5000; ++i)
        many += ",\"k" + std::to_string(i) + "\":1";
    many += "}";
    EXPECT_EQ(malformed_error(many), err(error::invalid_json));
    std::string many_dups = R"({"status":"ok")";
    for (int i = 0; i < 5000; ++i)
        many_dups += R"(,"K":1)";
    many_dups += "}";
    EXPECT_EQ(malformed_error(many_dups), err(error::invalid_json));
    std::string long_array = R"({"status":"ok","a":[)";
    for (int i = 0; i < 5000; ++i)
        long_array += "1,";
    long_array += "1]}";
    EXPECT_EQ(malformed_error(long_array), err(error::invalid_json));
}

TEST(FrameParserHostile, PseudoRandomBytesNeverEscapeAsAnythingButAMessage) {
    std::uint32_t x = 0x12345678;
    std::string frame;
    for (int round = 0; round < 2000; ++round) {
        frame.clear();
        const std::size_t len = (x % 64) + 1;
        for (std::size_t i = 0; i < len; ++i) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // Bias towards JSON punctuation so the parser gets past the first byte.
            static constexpr char alphabet[] = "{}[]\":,0123456789-.eE \tstatusokvolume\\u\xff\xc3";
            frame.push_back(alphabet[x % (sizeof(alphabet) - 1)]);
        }
        const auto m = parse_device_frame(frame, false);
        EXPECT_LT(m.index(), std::variant_size_v<DeviceMessage>);
    }
}
