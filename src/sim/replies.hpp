#pragma once
// The frames a device writes, per profile: the firmware pretty-prints them as
// cJSON does and uses its own field sets; the spec profile writes the
// documented shapes in compact JSON with the documentation's upper-case id.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "sim/device_settings.hpp"
#include "sim/ota_receiver.hpp"
#include "sim/profile.hpp"

namespace ptalk::sim {

class ReplyBuilder {
  public:
    ReplyBuilder(Profile profile, std::string_view canonical_id);

    [[nodiscard]] std::string handshake(const DeviceSettings& s, int battery) const;
    [[nodiscard]] std::string status(const DeviceSettings& s, int battery,
                                     std::int64_t uptime_sec) const;
    [[nodiscard]] std::string volume(int v) const;
    [[nodiscard]] std::string brightness(int v) const;
    [[nodiscard]] std::string device_name(std::string_view name) const;
    [[nodiscard]] std::string reboot() const;
    [[nodiscard]] std::string ota_ready(const OtaRequest& r) const;
    [[nodiscard]] std::string ble_config() const;
    [[nodiscard]] std::string wifi_not_supported() const;
    // Documented error replies (spec profile): invalid_param, invalid_command, ...
    [[nodiscard]] std::string failure(std::string_view status, std::string_view message) const;
    [[nodiscard]] std::string firmware_pull(const std::optional<std::string>& version) const;

    [[nodiscard]] const std::string& wire_id() const noexcept { return wire_id_; }

  private:
    [[nodiscard]] std::string finish(const boost::json::object& o) const;

    Profile profile_;
    std::string wire_id_;  // the id as this device writes it
};

}  // namespace ptalk::sim
