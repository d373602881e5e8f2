#pragma once
// Typed messages a device sends (PROTOCOL.md §1). The parser never throws:
// anything it cannot read becomes Malformed with an error code.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/error.hpp"

namespace ptalk::protocol {

struct Handshake {
    std::string device_id;  // canonical (device_id.hpp)
    std::string firmware_version;
    std::string device_name;
    std::optional<int> battery_percent;  // 0-100
    std::string connectivity_state;
};

enum class ReplyStatus {
    ok,
    error,
    invalid_command,
    invalid_param,
    not_supported,
    device_busy,
    other
};

[[nodiscard]] std::string_view to_string(ReplyStatus s) noexcept;
[[nodiscard]] ReplyStatus reply_status_from_string(std::string_view s) noexcept;

// A frame with a "status" field: the answer to the command in flight, or a
// stale answer to an earlier one (reply_match.hpp decides which).
struct Reply {
    ReplyStatus status = ReplyStatus::other;
    std::string status_text;  // as the device sent it
    std::optional<std::string> message;
    std::optional<std::string> device_id;  // canonical; absent on the firmware's reboot ack
    std::optional<std::string> device_name;
    std::optional<std::string> firmware_version;
    std::optional<std::string> connectivity_state;
    std::optional<std::string> version;  // request_ota (spec profile)
    std::optional<std::string> sha256;   // request_ota (firmware profile)
    std::optional<int> volume;           // 0-100
    std::optional<int> brightness;       // 0-100
    std::optional<int> battery_percent;  // 0-100
    std::optional<std::int64_t> uptime_sec;
    std::optional<std::int64_t> size;
    std::string raw;  // the whole reply as compact JSON, for the audit log
};

struct OtaAck {
    std::uint32_t seq = 0;
};
struct OtaNack {
    std::uint32_t seq = 0;
};

// {"action":"update_firmware", ...}: the device asks for an image itself.
struct FirmwarePull {
    std::optional<std::string> version;
    std::optional<std::int64_t> size;
    std::optional<std::string> sha256;
};

// Text that is not JSON: voice control (START, END), two-character emotion codes.
struct VoiceText {
    std::string text;
};
// Binary frames from a device are ADPCM audio.
struct VoiceBinary {
    std::size_t size = 0;
};

struct Malformed {
    boost::system::error_code error;
    std::string detail;  // short, printable, never the whole frame
};

using DeviceMessage = std::variant<Handshake, Reply, OtaAck, OtaNack, FirmwarePull, VoiceText,
                                   VoiceBinary, Malformed>;

// "handshake", "reply", ... — for metrics and logs.
[[nodiscard]] std::string_view message_kind(const DeviceMessage& m) noexcept;

}  // namespace ptalk::protocol
