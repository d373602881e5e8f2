#pragma once
// One device's firmware update from request to proof, across however many
// connections it takes, as an I/O-free state machine (the OTA manager runs it).
//
//   pending ──online──▶ transferring ──restarting──▶ awaiting_reboot ──handshake──▶ succeeded
//      ▲                    │                              │ (old version / deadline) ▶ failed
//      │   interrupted/     │ failed ─(attempts left)─┐    │
//      │   failed stream    ▼                         ▼
//      └──── handshake ◀── rebooting ◀── needs a reboot first (PROTOCOL.md §5.7)
//
// A transfer that failed or was cut off leaves the device's updater half-open
// until it reboots, so every retry on a device that has not rebooted since is
// preceded by a reboot and its handshake. Success is only ever the handshake
// that shows the target version, never the last ack.
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "ota/transfer.hpp"

namespace ptalk::updates {

using Clock = std::chrono::steady_clock;

enum class UpdateState {
    pending,          // waiting for the device (offline, or about to start)
    rebooting,        // a reboot was asked before a retry; waiting for its handshake
    transferring,     // the chunk stream runs
    awaiting_reboot,  // OTA_COMPLETE sent; waiting for the handshake with the new version
    succeeded,
    failed,
    cancelled,
};
[[nodiscard]] std::string_view to_string(UpdateState s) noexcept;
[[nodiscard]] std::optional<UpdateState> update_state_from_string(std::string_view s) noexcept;
[[nodiscard]] bool is_final(UpdateState s) noexcept;

struct UpdatePolicy {
    std::uint32_t max_attempts = 3;                      // transfers, the first included
    std::chrono::milliseconds confirm_timeout{120'000};  // OTA_COMPLETE to the new handshake
    std::chrono::milliseconds reboot_timeout{120'000};   // a reboot before a retry to its handshake
    int battery_floor = 30;                              // percent; below it nothing starts
};

// What the runner must do now.
struct UpdateActions {
    bool start_transfer = false;
    bool send_reboot = false;
    bool state_changed = false;
    std::optional<Clock::time_point> deadline;  // check on_tick() from then on
};
std::ostream& operator<<(std::ostream& os, const UpdateActions& a);

class DeviceUpdate {
  public:
    DeviceUpdate(std::string target_version, UpdatePolicy policy);

    // The device is connected now (a handshake, or already online when the update
    // is created or becomes pending): its firmware version and battery.
    [[nodiscard]] UpdateActions on_online(std::string_view version, std::optional<int> battery,
                                          Clock::time_point now);
    // The device's socket went (only meaningful while waiting for a restart).
    [[nodiscard]] UpdateActions on_offline(Clock::time_point now);
    // The session's transfer ended.
    [[nodiscard]] UpdateActions on_transfer_end(const ota::TransferResult& r,
                                                Clock::time_point now);
    // The reboot asked before a retry ended: acknowledged (its ok, or the socket
    // going right after it) or not.
    [[nodiscard]] UpdateActions on_reboot_sent(bool acknowledged, Clock::time_point now);
    [[nodiscard]] UpdateActions on_tick(Clock::time_point now);
    [[nodiscard]] UpdateActions cancel(std::string why);

    // After a server restart, from the stored state: a transfer that was running
    // was cut by the restart (pending, reboot first); a confirmation keeps waiting.
    void restore(UpdateState state, std::uint32_t attempts, bool needs_reboot,
                 Clock::time_point now);

    [[nodiscard]] UpdateState state() const noexcept { return state_; }
    [[nodiscard]] const std::string& target() const noexcept { return target_; }
    [[nodiscard]] std::uint32_t attempts() const noexcept { return attempts_; }
    [[nodiscard]] bool needs_reboot() const noexcept { return needs_reboot_; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    [[nodiscard]] const std::string& last_transfer_end() const noexcept { return last_end_; }
    [[nodiscard]] std::optional<Clock::time_point> deadline() const noexcept { return deadline_; }

  private:
    UpdateActions to(UpdateState s);
    UpdateActions fail(std::string why);
    UpdateActions start(Clock::time_point now);

    std::string target_;
    UpdatePolicy policy_;
    UpdateState state_ = UpdateState::pending;
    std::uint32_t attempts_ = 0;
    bool needs_reboot_ = false;  // the updater may be half-open
    bool reboot_acked_ = false;  // in rebooting: the device said "Rebooting..."
    std::optional<Clock::time_point> deadline_;
    std::string error_;
    std::string last_end_;
};

}  // namespace ptalk::updates
