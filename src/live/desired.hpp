#pragma once
// Desired state (issue 6): what the operator wants volume, brightness and
// device_name to be, versioned, and per field whether the device has confirmed
// it since it was set ("synced"). The rules, pure:
//   - a field the device has not confirmed and reports differently is pending:
//     it is sent (after a fresh request_status, only the differing fields);
//   - a confirmed field the device later reports differently is drift (the
//     device changed it itself, e.g. over BLE): enforce re-sends desired,
//     adopt makes desired follow the device.
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "live/options.hpp"
#include "protocol/commands.hpp"
#include "store/store.hpp"

namespace ptalk::live {

enum class Setting { volume, brightness, device_name };
inline constexpr Setting all_settings[] = {Setting::volume, Setting::brightness,
                                           Setting::device_name};
[[nodiscard]] std::string_view to_string(Setting s) noexcept;

using SettingValue = std::optional<std::string>;  // ints as decimal text

struct DesiredState {
    store::DesiredRecord record;  // values, version, when, who
    bool synced[3] = {false, false, false};

    [[nodiscard]] bool empty() const {
        return !record.volume && !record.brightness && !record.device_name;
    }
};

// A validated PATCH body: each given field set (a value) or cleared (null).
struct DesiredPatch {
    std::optional<std::optional<int>> volume;
    std::optional<std::optional<int>> brightness;
    std::optional<std::optional<std::string>> device_name;
};
// Empty error = ok. Unknown fields, out-of-range values and empty names are refused.
[[nodiscard]] DesiredPatch parse_desired_patch(const boost::json::object& body, std::string& error);

// Applies a patch: version + 1, time and requester set, changed fields unconfirmed.
// Returns false (and changes nothing) when the patch changes no value.
bool apply_patch(DesiredState& d, const DesiredPatch& p, store::UnixMillis now,
                 const std::string& by);

// The value of a setting in desired state / in a reported record, as text.
[[nodiscard]] SettingValue desired_value(const store::DesiredRecord& d, Setting s);
[[nodiscard]] SettingValue reported_value(const store::DeviceRecord& r, Setting s);

// What the device just reported (only fields present in `reported`) means for
// desired state. Fields reported equal become synced; confirmed fields reported
// different are drift. Under adopt, desired takes the device's value (version + 1).
struct Observation {
    std::vector<Setting> drifted;
    bool desired_changed = false;  // adopt changed desired state
};
Observation observe(DesiredState& d, const store::DeviceRecord& reported, DriftPolicy policy,
                    store::UnixMillis now);

// The commands that bring the device to desired state: one per managed field
// that is not confirmed and differs from `reported` (unknown counts as
// different), skipping `in_flight`. Fields reported equal are marked synced.
struct PendingCommand {
    Setting setting;
    protocol::Command command;
};
std::vector<PendingCommand> pending_commands(DesiredState& d, const store::DeviceRecord& reported,
                                             const std::vector<Setting>& in_flight);

// {"volume":…,"brightness":…,"device_name":…,"version":…,"updated_at_ms":…,"updated_by":…}
[[nodiscard]] boost::json::object desired_json(const DesiredState& d);
// Per managed field: {"desired":…,"reported":…,"in_sync":bool}
[[nodiscard]] boost::json::object sync_json(const DesiredState& d,
                                            const store::DeviceRecord& reported);

}  // namespace ptalk::live
