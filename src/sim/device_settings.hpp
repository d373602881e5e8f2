#pragma once
// What a device keeps in NVS: it survives reboots, and ptalk-sim keeps it in a
// state file so that it survives restarts of the simulator too.
#include <optional>
#include <string>

#include <boost/json/value.hpp>

namespace ptalk::sim {

inline constexpr int default_volume = 60;
inline constexpr int default_brightness = 100;
inline constexpr const char* default_device_name = "PTalk";
inline constexpr const char* default_firmware_version = "1.0.1";

struct DeviceSettings {
    std::string name = default_device_name;
    int volume = default_volume;
    int brightness = default_brightness;
    std::string firmware_version = default_firmware_version;

    friend bool operator==(const DeviceSettings&, const DeviceSettings&) = default;
};

[[nodiscard]] boost::json::value to_json(const DeviceSettings& s);
// Missing or ill-typed fields keep their defaults: an old state file still loads.
[[nodiscard]] DeviceSettings settings_from_json(const boost::json::value& v,
                                                const DeviceSettings& defaults = {});

}  // namespace ptalk::sim
