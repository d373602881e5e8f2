#include "protocol/messages.hpp"

namespace ptalk::protocol {

std::string_view to_string(ReplyStatus s) noexcept {
    switch (s) {
        case ReplyStatus::ok:
            return "ok";
        case ReplyStatus::error:
            return "error";
        case ReplyStatus::invalid_command:
            return "invalid_command";
        case ReplyStatus::invalid_param:
            return "invalid_param";
        case ReplyStatus::not_supported:
            return "not_supported";
        case ReplyStatus::device_busy:
            return "device_busy";
        case ReplyStatus::other:
            return "other";
    }
    return "other";
}

ReplyStatus reply_status_from_string(std::string_view s) noexcept {
    if (s == "ok") return ReplyStatus::ok;
    if (s == "error") return ReplyStatus::error;
    if (s == "invalid_command") return ReplyStatus::invalid_command;
    if (s == "invalid_param") return ReplyStatus::invalid_param;
    if (s == "not_supported") return ReplyStatus::not_supported;
    if (s == "device_busy") return ReplyStatus::device_busy;
    return ReplyStatus::other;
}

std::string_view message_kind(const DeviceMessage& m) noexcept {
    static constexpr std::string_view names[] = {"handshake",    "reply",         "ota_ack",
                                                 "ota_nack",     "firmware_pull", "voice_text",
                                                 "voice_binary", "malformed"};
    static_assert(std::variant_size_v<DeviceMessage> == std::size(names));
    return names[m.index()];
}

}  // namespace ptalk::protocol
