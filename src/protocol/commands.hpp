#pragma once
// Commands the server sends (PROTOCOL.md §3), built only from validated
// parameters: the firmware does not reject bad values (300 becomes 44).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "protocol/error.hpp"

namespace ptalk::protocol {

enum class CommandKind {
    request_status,
    set_volume,
    set_brightness,
    set_device_name,
    reboot,
    request_ota,
    request_ble_config,
    set_wifi,    // never sent: Wi-Fi is provisioned over BLE
    set_ws_url,  // never sent: reserved, unknown to the firmware
};

[[nodiscard]] std::string_view to_string(CommandKind k) noexcept;
[[nodiscard]] std::optional<CommandKind> command_kind_from_string(std::string_view s) noexcept;

inline constexpr std::size_t max_device_frame_bytes = 4096;
inline constexpr std::size_t max_device_name_bytes = 64;

// What the server offers in request_ota (PROTOCOL.md §5.1).
struct OtaOffer {
    std::string version;
    std::uint64_t size = 0;
    std::string sha256;  // lower-case hex
    std::uint32_t chunk_size = 2048;
    std::uint32_t total_chunks = 0;
};

// A validated command: kind plus its parameters exactly as they go on the wire.
struct Command {
    CommandKind kind = CommandKind::request_status;
    boost::json::object params;  // without "cmd"
};

[[nodiscard]] Command make_request_status();
[[nodiscard]] result<Command> make_set_volume(std::int64_t volume);
[[nodiscard]] result<Command> make_set_brightness(std::int64_t brightness);
[[nodiscard]] result<Command> make_set_device_name(std::string_view name);
[[nodiscard]] Command make_reboot();
[[nodiscard]] Command make_request_ble_config();
[[nodiscard]] result<Command> make_request_ota(const OtaOffer& offer);

// Checks a device name: non-empty, valid UTF-8, at most 64 bytes, no control characters.
[[nodiscard]] boost::system::error_code validate_device_name(std::string_view name) noexcept;
// Checks a 0-100 setting given as JSON: an integer (or an integral double) in range.
[[nodiscard]] result<int> validate_percent(const boost::json::value& v) noexcept;

// From an operator's request ({"cmd": ..., params...} without "cmd" in params):
// validates everything. set_wifi and set_ws_url give error::not_allowed. For
// request_ota only "version" is accepted; the OTA engine builds the offer.
// `what` receives a one-line reason on failure.
[[nodiscard]] result<Command> make_command(std::string_view cmd, const boost::json::object& params,
                                           std::string* what = nullptr);

// Compact JSON, one frame, never over 4096 bytes (error::frame_too_large_for_device).
[[nodiscard]] result<std::string> encode_command(const Command& c);

// The text frame that ends a firmware transfer (PROTOCOL.md §5.5).
inline constexpr std::string_view ota_complete_frame = "OTA_COMPLETE";

}  // namespace ptalk::protocol
