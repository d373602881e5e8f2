#pragma once
// The few fields of a device the CLI reasons about (the API's device object),
// and how a user names a device: by id in any form, or by its name. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace ptalk::cli {

struct DeviceInfo {
    std::string id;  // canonical: 12 lower-case hex digits
    std::string name;
    bool online = false;
    std::optional<std::int64_t> last_handshake_ms;
    std::string firmware;
};

// From GET /api/v1/devices/{id} or one element of the list; missing fields stay empty.
[[nodiscard]] DeviceInfo device_from_json(const boost::json::value& v);

// "Kitchen (24a160000000)", or the id alone when the device has no name.
[[nodiscard]] std::string label(const DeviceInfo& d);

// The device `text` names: an id in any form (AA:BB:…, any case) that is in
// `devices`, else the one device of that name (any case). Throws
// CliError(not_found) with a did-you-mean, or CliError(usage) when a name is
// shared by several devices.
[[nodiscard]] const DeviceInfo& resolve_device(std::string_view text,
                                               const std::vector<DeviceInfo>& devices);

// After a reboot: online again with a handshake newer than before it.
[[nodiscard]] bool came_back(const DeviceInfo& before, const DeviceInfo& now) noexcept;

// "unknown device 'x'; did you mean …?" from the nearest ids and names.
[[nodiscard]] std::string unknown_device_message(std::string_view text,
                                                 const std::vector<DeviceInfo>& devices);

}  // namespace ptalk::cli
