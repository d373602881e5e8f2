#pragma once
// Device frames as PROTOCOL.md documents them and as the firmware in the field
// sends them (cJSON's pretty print: tabs and newlines, lower-case ids, its own
// field order), shared by the parser and the reply-matching tests.
#include <string>
#include <string_view>
#include <variant>

#include <gtest/gtest.h>

#include "protocol/frame_parser.hpp"

namespace ptalk::protocol::frames {

// §2
inline constexpr std::string_view handshake_documented =
    R"({"cmd":"device_handshake","device_id":"A1B2C3D4E5F6","firmware_version":"1.0.1",)"
    R"("device_name":"PTalk","battery_percent":85,"connectivity_state":"ONLINE"})";
inline constexpr std::string_view handshake_field =
    "{\n\t\"device_id\":\t\"24a160ff3b9c\",\n\t\"cmd\":\t\"device_handshake\",\n"
    "\t\"firmware_version\":\t\"1.0.1\",\n\t\"device_name\":\t\"PTalk\",\n"
    "\t\"battery_percent\":\t85,\n\t\"connectivity_state\":\t\"ONLINE\"\n}";

// §3, request_status
inline constexpr std::string_view status_documented =
    R"({"status":"ok","device_id":"A1B2C3D4E5F6","device_name":"PTalk","battery_percent":85,)"
    R"("connectivity_state":"ONLINE","firmware_version":"1.0.1","volume":60,"brightness":100,)"
    R"("uptime_sec":3600})";
inline constexpr std::string_view status_field =
    "{\n\t\"status\":\t\"ok\",\n\t\"uptime_sec\":\t3600,\n\t\"volume\":\t60,\n"
    "\t\"brightness\":\t100,\n\t\"device_name\":\t\"PTalk\",\n\t\"battery_percent\":\t85,\n"
    "\t\"connectivity_state\":\t\"ONLINE\",\n\t\"firmware_version\":\t\"1.0.1\",\n"
    "\t\"device_id\":\t\"24a160ff3b9c\"\n}";

// §3, setters
inline constexpr std::string_view volume_documented =
    R"({"status":"ok","volume":50,"device_id":"A1B2C3D4E5F6"})";
inline constexpr std::string_view volume_field =
    "{\n\t\"status\":\t\"ok\",\n\t\"volume\":\t50,\n\t\"device_id\":\t\"24a160ff3b9c\"\n}";
inline constexpr std::string_view brightness_documented =
    R"({"status":"ok","brightness":70,"device_id":"A1B2C3D4E5F6"})";
inline constexpr std::string_view brightness_field =
    "{\n\t\"status\":\t\"ok\",\n\t\"brightness\":\t70,\n\t\"device_id\":\t\"24a160ff3b9c\"\n}";
inline constexpr std::string_view name_documented =
    R"({"status":"ok","device_name":"Kitchen","device_id":"A1B2C3D4E5F6"})";
inline constexpr std::string_view name_field =
    "{\n\t\"status\":\t\"ok\",\n\t\"device_name\":\t\"Kitchen\",\n"
    "\t\"device_id\":\t\"24a160ff3b9c\"\n}";

// §3, reboot: the field firmware's ack has no device_id.
inline constexpr std::string_view reboot_documented =
    R"({"status":"ok","message":"Rebooting...","device_id":"A1B2C3D4E5F6"})";
inline constexpr std::string_view reboot_field =
    "{\n\t\"status\":\t\"ok\",\n\t\"message\":\t\"Rebooting...\"\n}";

// §3, request_ota
inline constexpr std::string_view ota_sha256 =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
inline constexpr std::string_view request_ota_documented =
    R"({"status":"ok","device_id":"A1B2C3D4E5F6","version":"1.0.6"})";
inline constexpr std::string_view request_ota_field =
    "{\n\t\"status\":\t\"ok\",\n\t\"message\":\t\"Ready to receive firmware\",\n"
    "\t\"size\":\t1048576,\n"
    "\t\"sha256\":\t\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\n"
    "\t\"device_id\":\t\"24a160ff3b9c\"\n}";

// §3, request_ble_config (firmware only) and set_wifi (both)
inline constexpr std::string_view ble_field =
    "{\n\t\"status\":\t\"ok\",\n\t\"message\":\t\"Opening BLE config mode...\",\n"
    "\t\"device_id\":\t\"24a160ff3b9c\"\n}";
inline constexpr std::string_view wifi_not_supported =
    R"({"status":"not_supported","message":"WiFi config not supported over WebSocket. Use BLE.",)"
    R"("device_id":"A1B2C3D4E5F6"})";

// §3, error statuses of the documented profile
inline constexpr std::string_view invalid_param =
    R"({"status":"invalid_param","message":"volume must be 0-100","device_id":"A1B2C3D4E5F6"})";
inline constexpr std::string_view invalid_command =
    R"({"status":"invalid_command","message":"Unknown command","device_id":"A1B2C3D4E5F6"})";
inline constexpr std::string_view device_busy =
    R"({"status":"device_busy","message":"OTA in progress","device_id":"A1B2C3D4E5F6"})";
inline constexpr std::string_view generic_error =
    R"({"status":"error","message":"NVS write failed","device_id":"A1B2C3D4E5F6"})";
inline constexpr std::string_view other_not_supported =
    R"({"status":"not_supported","message":"Not available on this board"})";

// Parses a text frame that must be a T; otherwise records a failure and returns T{}.
template <class T>
T parse_as(std::string_view text, const ParseLimits& limits = {}) {
    auto m = parse_device_frame(text, false, limits);
    if (auto* t = std::get_if<T>(&m)) return std::move(*t);
    std::string detail;
    if (auto* bad = std::get_if<Malformed>(&m)) detail = ": " + bad->detail;
    ADD_FAILURE() << "parsed as " << message_kind(m) << detail
                  << "\nframe: " << text.substr(0, 200);
    return T{};
}

inline Reply reply(std::string_view text) {
    return parse_as<Reply>(text);
}

// The error of a text frame that must be Malformed.
inline boost::system::error_code malformed_error(std::string_view text,
                                                 const ParseLimits& limits = {}) {
    return parse_as<Malformed>(text, limits).error;
}

}  // namespace ptalk::protocol::frames
