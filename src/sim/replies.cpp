#include "sim/replies.hpp"

#include <cctype>

#include <boost/json/serialize.hpp>

#include "sim/cjson_print.hpp"

namespace ptalk::sim {
namespace json = boost::json;

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

ReplyBuilder::ReplyBuilder(Profile profile, std::string_view canonical_id)
    : profile_(profile),
      wire_id_(profile == Profile::spec ? upper(canonical_id) : std::string(canonical_id)) {}

std::string ReplyBuilder::finish(const json::object& o) const {
    return profile_ == Profile::firmware ? cjson_print(o) : json::serialize(o);
}

std::string ReplyBuilder::handshake(const DeviceSettings& s, int battery) const {
    return finish({{"cmd", "device_handshake"},
                   {"device_id", wire_id_},
                   {"firmware_version", s.firmware_version},
                   {"device_name", s.name},
                   {"battery_percent", battery},
                   {"connectivity_state", "ONLINE"}});
}

std::string ReplyBuilder::status(const DeviceSettings& s, int battery,
                                 std::int64_t uptime_sec) const {
    return finish({{"status", "ok"},
                   {"device_id", wire_id_},
                   {"device_name", s.name},
                   {"battery_percent", battery},
                   {"connectivity_state", "ONLINE"},
                   {"firmware_version", s.firmware_version},
                   {"volume", s.volume},
                   {"brightness", s.brightness},
                   {"uptime_sec", uptime_sec}});
}

std::string ReplyBuilder::volume(int v) const {
    return finish({{"status", "ok"}, {"volume", v}, {"device_id", wire_id_}});
}

std::string ReplyBuilder::brightness(int v) const {
    return finish({{"status", "ok"}, {"brightness", v}, {"device_id", wire_id_}});
}

std::string ReplyBuilder::device_name(std::string_view name) const {
    return finish({{"status", "ok"}, {"device_name", name}, {"device_id", wire_id_}});
}

std::string ReplyBuilder::reboot() const {
    json::object o{{"status", "ok"}, {"message", "Rebooting..."}};
    // The field firmware's reboot ack carries no device_id (PROTOCOL.md §3).
    if (profile_ == Profile::spec) o["device_id"] = wire_id_;
    return finish(o);
}

std::string ReplyBuilder::ota_ready(const OtaRequest& r) const {
    if (profile_ == Profile::spec)
        return finish(
            {{"status", "ok"}, {"device_id", wire_id_}, {"version", r.version.value_or("")}});
    json::object o{{"status", "ok"}, {"message", "Ready to receive firmware"}, {"size", r.size}};
    if (r.sha256) o["sha256"] = *r.sha256;
    o["device_id"] = wire_id_;
    return finish(o);
}

std::string ReplyBuilder::ble_config() const {
    return finish(
        {{"status", "ok"}, {"message", "Opening BLE config mode..."}, {"device_id", wire_id_}});
}

std::string ReplyBuilder::wifi_not_supported() const {
    return finish({{"status", "not_supported"},
                   {"message", "WiFi config not supported over WebSocket. Use BLE."},
                   {"device_id", wire_id_}});
}

std::string ReplyBuilder::failure(std::string_view status, std::string_view message) const {
    return finish({{"status", status}, {"message", message}, {"device_id", wire_id_}});
}

std::string ReplyBuilder::firmware_pull(const std::optional<std::string>& version) const {
    json::object o{{"action", "update_firmware"}};
    if (version) o["version"] = *version;
    return finish(o);
}

}  // namespace ptalk::sim
