#include "protocol/reply_match.hpp"

namespace ptalk::protocol {
namespace {

std::optional<std::int64_t> int_param(const Command& c, std::string_view key) noexcept {
    const auto* v = c.params.if_contains(key);
    if (v == nullptr || !v->is_int64()) return std::nullopt;
    return v->get_int64();
}

std::string_view string_param(const Command& c, std::string_view key) noexcept {
    const auto* v = c.params.if_contains(key);
    if (v == nullptr || !v->is_string()) return {};
    return v->get_string();
}

bool message_starts(const Reply& r, std::string_view prefix) noexcept {
    return r.message && r.message->starts_with(prefix);
}

// A status reply (request_status) carries the whole state; setter replies do not.
bool is_status_shape(const Reply& r) noexcept {
    return r.uptime_sec.has_value() || (r.volume.has_value() && r.brightness.has_value());
}

bool error_answers(const Command& c, const Reply& r) noexcept {
    switch (r.status) {
        case ReplyStatus::not_supported:
            // The Wi-Fi refusal answers set_wifi only.
            return c.kind == CommandKind::set_wifi || !message_starts(r, "WiFi");
        case ReplyStatus::invalid_param:
            return c.kind == CommandKind::set_volume || c.kind == CommandKind::set_brightness ||
                   c.kind == CommandKind::set_device_name || c.kind == CommandKind::request_ota;
        default:
            return true;  // error, invalid_command, device_busy, other
    }
}

}  // namespace

bool reply_answers(const Command& c, const Reply& r) noexcept {
    if (r.status != ReplyStatus::ok) return error_answers(c, r);
    switch (c.kind) {
        case CommandKind::request_status:
            return is_status_shape(r);
        case CommandKind::set_volume:
            return !is_status_shape(r) && r.volume && r.volume == int_param(c, "volume");
        case CommandKind::set_brightness:
            return !is_status_shape(r) && r.brightness &&
                   r.brightness == int_param(c, "brightness");
        case CommandKind::set_device_name:
            return !is_status_shape(r) && r.device_name &&
                   *r.device_name == string_param(c, "device_name");
        case CommandKind::reboot:
            return message_starts(r, "Rebooting");
        case CommandKind::request_ota: {
            if (message_starts(r, "Ready to receive firmware")) return true;
            // The documented reply: {"status":"ok","device_id","version"}.
            const auto want = string_param(c, "version");
            return !is_status_shape(r) && r.version && (want.empty() || *r.version == want);
        }
        case CommandKind::request_ble_config:
            return message_starts(r, "Opening BLE");
        case CommandKind::set_wifi:
        case CommandKind::set_ws_url:
            return false;  // no ok reply exists for these
    }
    return false;
}

}  // namespace ptalk::protocol
