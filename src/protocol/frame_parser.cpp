#include "protocol/frame_parser.hpp"

#include <boost/json/serialize.hpp>

#include "protocol/device_id.hpp"
#include "protocol/json_fields.hpp"
#include "protocol/json_reader.hpp"
#include "protocol/utf8.hpp"

namespace ptalk::protocol {
namespace json = boost::json;
using detail::optional_integer;
using detail::optional_string;

namespace {

constexpr std::size_t max_field_bytes = 256;
constexpr std::int64_t max_seq = 0xFFFFFFFF;

Malformed malformed(error e, std::string_view field = {}) {
    Malformed m{make_error_code(e), {}};
    if (!field.empty())
        m.detail = "field '" + std::string(field) + "': " + m.error.message();
    else
        m.detail = m.error.message();
    return m;
}

// Fills `out` from an optional field, or records the first error.
struct Reader {
    const json::object& o;
    std::optional<Malformed> failure;

    void text(std::string_view key, std::optional<std::string>& out) {
        if (failure) return;
        auto r = optional_string(o, key, max_field_bytes);
        if (!r)
            failure = malformed(static_cast<error>(r.error().value()), key);
        else
            out = std::move(*r);
    }
    template <class Int>
    void integer(std::string_view key, std::optional<Int>& out, std::int64_t lo, std::int64_t hi) {
        if (failure) return;
        auto r = optional_integer(o, key, lo, hi);
        if (!r)
            failure = malformed(static_cast<error>(r.error().value()), key);
        else if (*r)
            out = static_cast<Int>(**r);
    }
    void device_id(std::optional<std::string>& out) {
        text("device_id", out);
        if (failure || !out) return;
        auto id = normalize_device_id(*out);
        if (!id)
            failure = malformed(error::invalid_device_id, "device_id");
        else
            out = std::move(*id);
    }
};

DeviceMessage parse_handshake(const json::object& o) {
    Reader r{o, {}};
    std::optional<std::string> id, fw, name, conn;
    std::optional<int> battery;
    r.device_id(id);
    r.text("firmware_version", fw);
    r.text("device_name", name);
    r.text("connectivity_state", conn);
    r.integer("battery_percent", battery, 0, 100);
    if (r.failure) return *r.failure;
    if (!id) return malformed(error::missing_field, "device_id");
    return Handshake{std::move(*id), fw.value_or(""), name.value_or(""), battery,
                     conn.value_or("")};
}

DeviceMessage parse_reply(const json::object& o, const json::value& status) {
    if (!status.is_string()) return malformed(error::wrong_type, "status");
    Reply rep;
    rep.status_text = std::string(status.get_string());
    rep.status = reply_status_from_string(rep.status_text);
    Reader r{o, {}};
    r.text("message", rep.message);
    r.device_id(rep.device_id);
    r.text("device_name", rep.device_name);
    r.text("firmware_version", rep.firmware_version);
    r.text("connectivity_state", rep.connectivity_state);
    r.text("version", rep.version);
    r.text("sha256", rep.sha256);
    r.integer("volume", rep.volume, 0, 100);
    r.integer("brightness", rep.brightness, 0, 100);
    r.integer("battery_percent", rep.battery_percent, 0, 100);
    r.integer("uptime_sec", rep.uptime_sec, 0, std::int64_t{1} << 53);
    r.integer("size", rep.size, 0, std::int64_t{1} << 53);
    if (r.failure) return *r.failure;
    rep.raw = json::serialize(o);
    return rep;
}

template <class Msg>
DeviceMessage parse_seq(const json::value& v, std::string_view field) {
    auto n = detail::as_integer(v, 0, max_seq);
    if (!n) return malformed(static_cast<error>(n.error().value()), field);
    return Msg{static_cast<std::uint32_t>(*n)};
}

DeviceMessage parse_pull(const json::object& o) {
    FirmwarePull pull;
    Reader r{o, {}};
    r.text("version", pull.version);
    r.text("sha256", pull.sha256);
    r.integer("size", pull.size, 0, std::int64_t{1} << 53);
    if (r.failure) return *r.failure;
    return pull;
}

// At most max bytes of s, not cutting a UTF-8 sequence.
std::size_t utf8_prefix(std::string_view s, std::size_t max) noexcept {
    if (s.size() <= max) return s.size();
    while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80)
        --max;
    return max;
}

// JSON is an object, array, string or number; a two-byte frame is an emotion
// code even when it looks like a number ("01").
bool looks_like_json(std::string_view s) {
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (c == '{' || c == '[' || c == '"') return true;
        return s.size() > 2 && (c == '-' || (c >= '0' && c <= '9'));
    }
    return false;
}

DeviceMessage parse_object(const json::object& o) {
    if (const auto* cmd = find_key(o, "cmd")) {
        if (cmd->is_string() && cmd->get_string() == "device_handshake") return parse_handshake(o);
        return malformed(error::unknown_frame, "cmd");
    }
    if (const auto* v = find_key(o, "ota_ack")) return parse_seq<OtaAck>(*v, "ota_ack");
    if (const auto* v = find_key(o, "ota_nack")) return parse_seq<OtaNack>(*v, "ota_nack");
    if (const auto* a = find_key(o, "action")) {
        if (a->is_string() && a->get_string() == "update_firmware") return parse_pull(o);
        return malformed(error::unknown_frame, "action");
    }
    if (const auto* s = find_key(o, "status")) return parse_reply(o, *s);
    return malformed(error::unknown_frame);
}

}  // namespace

DeviceMessage parse_device_frame(std::string_view payload, bool binary,
                                 const ParseLimits& limits) noexcept {
    try {
        if (binary) return VoiceBinary{payload.size()};
        if (payload.empty()) return malformed(error::empty_frame);
        if (payload.size() > limits.max_text_bytes) return malformed(error::frame_too_large);
        if (!looks_like_json(payload)) {
            // Voice control words and emotion codes are printable; anything else
            // is garbage that must not reach a log as "voice".
            if (auto ec = detail::check_printable_text(payload))
                return malformed(static_cast<error>(ec.value()));
            return VoiceText{std::string(payload.substr(0, utf8_prefix(payload, 64)))};
        }
        auto v = read_json(payload, limits.max_depth);
        if (!v) return Malformed{v.error(), v.error().message()};
        if (!v->is_object()) return malformed(error::not_an_object);
        return parse_object(v->get_object());
    } catch (...) {
        // Only allocation failure can get here; the frame is dropped, the server lives.
        return Malformed{make_error_code(error::frame_too_large), "out of memory"};
    }
}

}  // namespace ptalk::protocol
