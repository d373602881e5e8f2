#pragma once
// One device's firmware as an I/O-free state machine: a received frame (already
// cut by the 4096-byte rule) and the time go in; the frames to write and what
// happens to the link come out as Actions. Two profiles: the field firmware
// with its quirks (PROTOCOL.md's right-hand column) and the documented device.
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "sim/actions.hpp"
#include "sim/device_settings.hpp"
#include "sim/ota_receiver.hpp"
#include "sim/profile.hpp"
#include "sim/replies.hpp"

namespace ptalk::sim {

struct ModelOptions {
    Profile profile = Profile::firmware;
    Millis reboot_drop_after{500};          // reboot: the ack, then the link goes this much later
    Millis ble_stall{1000};                 // request_ble_config: stall, then close
    std::optional<Millis> ble_offline_for;  // nullopt: offline for the rest of the run
    Millis ota_reboot_after{1000};          // OTA_COMPLETE to the restart
    Millis erase_stall{0};                  // the first chunk's partition erase
    Millis ack_delay{0};                    // fault: a slow flash write before each ack
    Millis ack_latency{0};                  // a far network: acks arrive this much later
    bool ota_bad_boot = false;              // fault: a new image never boots (old version back)
    Millis reply_delay{0};                  // fault: a slow reply to each command
    double drop_during_ota = 0.0;           // fault: chance (0-1) a transfer loses the link
    std::uint32_t max_ota_drops = UINT32_MAX;  // ... for at most this many transfers
    bool ignore_commands = false;              // fault: a device that never answers
    OtaReceiver::Options ota;
    int battery_start = 100;
    Millis battery_drain_per_percent{60'000};
};

class FirmwareModel {
  public:
    FirmwareModel(std::string canonical_id, DeviceSettings settings, ModelOptions opt,
                  std::uint64_t seed = 1);

    // Power-on: uptime restarts, the updater is clean. Call before the first handshake.
    void boot(TimePoint now);
    // The first frame on every new connection.
    [[nodiscard]] std::string handshake(TimePoint now) const;
    [[nodiscard]] Reaction on_text(std::string_view text, TimePoint now);
    [[nodiscard]] Reaction on_binary(std::span<const std::uint8_t> frame, TimePoint now);
    // The link went (drop, churn, server gone) without a reboot.
    void on_link_lost();
    // {"action":"update_firmware"}: the user pressed "update" on the device.
    [[nodiscard]] std::string firmware_pull(const std::optional<std::string>& version) const;

    // The user changed settings on the device itself (BLE app, buttons): nothing
    // is sent; the server sees it in the next status reply (drift).
    void change_locally(const DeviceSettings& s) { settings_ = s; }

    [[nodiscard]] const std::string& id() const noexcept { return id_; }
    [[nodiscard]] const std::string& wire_id() const noexcept { return replies_.wire_id(); }
    [[nodiscard]] const DeviceSettings& settings() const noexcept { return settings_; }
    [[nodiscard]] const ModelOptions& options() const noexcept { return opt_; }
    [[nodiscard]] int battery_percent(TimePoint now) const;
    [[nodiscard]] std::int64_t uptime_sec(TimePoint now) const;
    [[nodiscard]] const OtaReceiver& ota() const noexcept { return ota_; }
    [[nodiscard]] const std::optional<OtaVerdict>& last_ota() const noexcept { return last_ota_; }
    [[nodiscard]] std::uint32_t boots() const noexcept { return boots_; }

  private:
    [[nodiscard]] Reaction on_command(const boost::json::object& o, TimePoint now);
    [[nodiscard]] const boost::json::value* field(const boost::json::object& o,
                                                  std::string_view key) const;
    void reply(Reaction& r, std::string text) const;
    void set_percent(Reaction& r, const boost::json::object& o, bool volume);
    void set_name(Reaction& r, const boost::json::object& o);
    void request_ota(Reaction& r, const boost::json::object& o);
    void ota_complete(Reaction& r);
    void refuse(Reaction& r, std::string_view status, std::string_view message) const;

    std::string id_;
    DeviceSettings settings_;
    ModelOptions opt_;
    ReplyBuilder replies_;
    OtaReceiver ota_;
    std::optional<OtaVerdict> last_ota_;
    std::optional<std::uint32_t> drop_at_seq_;
    std::uint32_t ota_drops_ = 0;
    std::mt19937_64 rng_;
    TimePoint boot_time_{};
    TimePoint first_boot_{};
    std::uint32_t boots_ = 0;
};

}  // namespace ptalk::sim
