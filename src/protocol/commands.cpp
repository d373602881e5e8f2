#include "protocol/commands.hpp"

#include <array>
#include <utility>

#include <boost/json/serialize.hpp>

#include "protocol/json_fields.hpp"
#include "protocol/utf8.hpp"

namespace ptalk::protocol {
namespace json = boost::json;

namespace {

constexpr std::array<std::pair<CommandKind, std::string_view>, 9> kind_names{{
    {CommandKind::request_status, "request_status"},
    {CommandKind::set_volume, "set_volume"},
    {CommandKind::set_brightness, "set_brightness"},
    {CommandKind::set_device_name, "set_device_name"},
    {CommandKind::reboot, "reboot"},
    {CommandKind::request_ota, "request_ota"},
    {CommandKind::request_ble_config, "request_ble_config"},
    {CommandKind::set_wifi, "set_wifi"},
    {CommandKind::set_ws_url, "set_ws_url"},
}};

result<Command> make_percent_command(CommandKind kind, std::string_view key, std::int64_t v) {
    if (v < 0 || v > 100) return error::out_of_range;
    Command c{kind, {}};
    c.params[key] = v;
    return c;
}

bool is_lower_hex(std::string_view s) noexcept {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

void set_what(std::string* what, std::string text) {
    if (what != nullptr) *what = std::move(text);
}

}  // namespace

std::string_view to_string(CommandKind k) noexcept {
    for (const auto& [kind, name] : kind_names)
        if (kind == k) return name;
    return "unknown";
}

std::optional<CommandKind> command_kind_from_string(std::string_view s) noexcept {
    for (const auto& [kind, name] : kind_names)
        if (name == s) return kind;
    return std::nullopt;
}

boost::system::error_code validate_device_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > max_device_name_bytes) return error::invalid_text;
    return detail::check_printable_text(name);
}

result<int> validate_percent(const json::value& v) noexcept {
    auto n = detail::as_integer(v, 0, 100);
    if (!n) return n.error();
    return static_cast<int>(*n);
}

Command make_request_status() {
    return {CommandKind::request_status, {}};
}
Command make_reboot() {
    return {CommandKind::reboot, {}};
}
Command make_request_ble_config() {
    return {CommandKind::request_ble_config, {}};
}

result<Command> make_set_volume(std::int64_t volume) {
    return make_percent_command(CommandKind::set_volume, "volume", volume);
}

result<Command> make_set_brightness(std::int64_t brightness) {
    return make_percent_command(CommandKind::set_brightness, "brightness", brightness);
}

result<Command> make_set_device_name(std::string_view name) {
    if (auto ec = validate_device_name(name)) return ec;
    Command c{CommandKind::set_device_name, {}};
    c.params["device_name"] = name;
    return c;
}

result<Command> make_request_ota(const OtaOffer& offer) {
    if (offer.version.empty() || offer.version.size() > 31) return error::invalid_text;
    if (offer.sha256.size() != 64 || !is_lower_hex(offer.sha256)) return error::invalid_text;
    if (offer.chunk_size == 0 || offer.chunk_size > 4084) return error::out_of_range;
    Command c{CommandKind::request_ota, {}};
    c.params["version"] = offer.version;
    c.params["size"] = offer.size;
    c.params["sha256"] = offer.sha256;
    c.params["chunk_size"] = offer.chunk_size;
    c.params["total_chunks"] = offer.total_chunks;
    return c;
}

result<Command> make_command(std::string_view cmd, const json::object& params, std::string* what) {
    const auto kind = command_kind_from_string(cmd);
    if (!kind) {
        set_what(what, "unknown command '" + std::string(cmd.substr(0, 64)) + "'");
        return error::unknown_command;
    }
    auto only = [&](std::initializer_list<std::string_view> allowed) -> boost::system::error_code {
        for (const auto& kv : params) {
            bool ok = false;
            for (auto a : allowed)
                ok = ok || kv.key() == a;
            if (!ok) {
                set_what(what, std::string(cmd) + " takes no parameter '" +
                                   std::string(kv.key().substr(0, 64)) + "'");
                return error::unexpected_param;
            }
        }
        return {};
    };
    auto percent = [&](std::string_view key) -> result<Command> {
        if (auto ec = only({key})) return ec;
        const auto* v = params.if_contains(key);
        if (v == nullptr) {
            set_what(what, std::string(cmd) + " needs '" + std::string(key) + "' (0-100)");
            return error::missing_field;
        }
        auto n = validate_percent(*v);
        if (!n) {
            set_what(what, std::string(key) + " must be an integer from 0 to 100");
            return n.error();
        }
        return make_percent_command(*kind, key, *n);
    };
    switch (*kind) {
        case CommandKind::request_status:
        case CommandKind::reboot:
        case CommandKind::request_ble_config:
            if (auto ec = only({})) return ec;
            return Command{*kind, {}};
        case CommandKind::set_volume:
            return percent("volume");
        case CommandKind::set_brightness:
            return percent("brightness");
        case CommandKind::set_device_name: {
            if (auto ec = only({"device_name"})) return ec;
            const auto* v = params.if_contains("device_name");
            if (v == nullptr || !v->is_string()) {
                set_what(what, "set_device_name needs 'device_name' (a string)");
                return v == nullptr ? error::missing_field : error::wrong_type;
            }
            auto c = make_set_device_name(v->get_string());
            if (!c)
                set_what(what,
                         "device_name must be 1-64 bytes of UTF-8 without control characters");
            return c;
        }
        case CommandKind::request_ota: {
            if (auto ec = only({"version"})) return ec;
            Command c{*kind, {}};
            if (const auto* v = params.if_contains("version")) {
                if (!v->is_string() || v->get_string().empty() || v->get_string().size() > 31) {
                    set_what(what, "version must be a non-empty string of at most 31 bytes");
                    return error::wrong_type;
                }
                c.params["version"] = v->get_string();
            }
            return c;
        }
        case CommandKind::set_wifi:
            set_what(
                what,
                "Wi-Fi is provisioned over BLE; ptalk never forwards Wi-Fi secrets to a device");
            return error::not_allowed;
        case CommandKind::set_ws_url:
            set_what(what,
                     "set_ws_url is reserved: the firmware does not know it and would not answer");
            return error::not_allowed;
    }
    return error::unknown_command;
}

result<std::string> encode_command(const Command& c) {
    json::object o;
    o.reserve(c.params.size() + 1);
    o["cmd"] = to_string(c.kind);
    for (const auto& kv : c.params) {
        // A "cmd" among the parameters would turn the frame into another command.
        if (kv.key() == "cmd") return error::unexpected_param;
        o[kv.key()] = kv.value();
    }
    std::string s = json::serialize(o);
    if (s.size() > max_device_frame_bytes) return error::frame_too_large_for_device;
    return s;
}

}  // namespace ptalk::protocol
