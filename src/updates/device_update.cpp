#include "updates/device_update.hpp"

#include <array>

#include <fmt/format.h>

namespace ptalk::updates {

namespace {

constexpr std::array<std::string_view, 7> state_names{
    "pending", "rebooting", "transferring", "awaiting_reboot", "succeeded", "failed", "cancelled"};

std::string seconds(std::chrono::milliseconds d) {
    return fmt::format("{} s", std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

std::string_view to_string(UpdateState s) noexcept {
    return state_names[static_cast<std::size_t>(s)];
}

std::optional<UpdateState> update_state_from_string(std::string_view s) noexcept {
    for (std::size_t i = 0; i < state_names.size(); ++i)
        if (state_names[i] == s) return static_cast<UpdateState>(i);
    return std::nullopt;
}

bool is_final(UpdateState s) noexcept {
    return s == UpdateState::succeeded || s == UpdateState::failed || s == UpdateState::cancelled;
}

DeviceUpdate::DeviceUpdate(std::string target_version, UpdatePolicy policy)
    : target_(std::move(target_version)), policy_(policy) {}

UpdateActions DeviceUpdate::to(UpdateState s) {
    UpdateActions a;
    a.state_changed = s != state_;
    state_ = s;
    if (is_final(s) || s == UpdateState::pending || s == UpdateState::transferring)
        deadline_.reset();
    return a;
}

UpdateActions DeviceUpdate::fail(std::string why) {
    error_ = std::move(why);
    return to(UpdateState::failed);
}

UpdateActions DeviceUpdate::start(Clock::time_point /*now*/) {
    ++attempts_;
    auto a = to(UpdateState::transferring);
    a.start_transfer = true;
    return a;
}

UpdateActions DeviceUpdate::on_online(std::string_view version, std::optional<int> battery,
                                      Clock::time_point now) {
    switch (state_) {
        case UpdateState::pending:
            if (version == target_) return to(UpdateState::succeeded);
            if (battery && *battery < policy_.battery_floor) {
                return fail(fmt::format("battery {}% is below the {}% floor for updates", *battery,
                                        policy_.battery_floor));
            }
            if (needs_reboot_) {
                auto a = to(UpdateState::rebooting);
                reboot_acked_ = false;
                deadline_ = now + policy_.reboot_timeout;
                a.deadline = deadline_;
                a.send_reboot = true;
                return a;
            }
            return start(now);
        case UpdateState::rebooting:
            if (!reboot_acked_) {
                // The reboot was not confirmed: this may be the same boot. Again.
                deadline_ = now + policy_.reboot_timeout;
                UpdateActions a;
                a.deadline = deadline_;
                a.send_reboot = true;
                return a;
            }
            needs_reboot_ = false;
            reboot_acked_ = false;
            if (version == target_) return to(UpdateState::succeeded);
            return start(now);
        case UpdateState::awaiting_reboot:
            if (version == target_) return to(UpdateState::succeeded);
            return fail(
                fmt::format("the device came back with version {}, not {}: the new image "
                            "did not boot",
                            version.empty() ? "?" : version, target_));
        default:
            return {};  // transferring: the old session's end will come; final: nothing to do
    }
}

UpdateActions DeviceUpdate::on_offline(Clock::time_point /*now*/) {
    return {};  // expected while restarting; a transfer's cut is its session's to report
}

UpdateActions DeviceUpdate::on_transfer_end(const ota::TransferResult& r, Clock::time_point now) {
    if (state_ != UpdateState::transferring) return {};
    last_end_ = std::string(ota::to_string(r.end));
    if (ota::leaves_updater_open(r.end)) needs_reboot_ = true;
    switch (r.end) {
        case ota::TransferEnd::restarting: {
            auto a = to(UpdateState::awaiting_reboot);
            deadline_ = now + policy_.confirm_timeout;
            a.deadline = deadline_;
            return a;
        }
        case ota::TransferEnd::not_installed:
        case ota::TransferEnd::refused:
        case ota::TransferEnd::busy:
            return fail(r.detail);
        case ota::TransferEnd::failed:
        case ota::TransferEnd::interrupted:
            if (attempts_ >= policy_.max_attempts)
                return fail(fmt::format("{} (attempt {} of {})", r.detail, attempts_,
                                        policy_.max_attempts));
            error_ = r.detail;
            return to(UpdateState::pending);
        case ota::TransferEnd::offline:
        case ota::TransferEnd::shutdown:
            --attempts_;  // not the device's doing: does not count
            return to(UpdateState::pending);
    }
    return {};
}

UpdateActions DeviceUpdate::on_reboot_sent(bool acknowledged, Clock::time_point /*now*/) {
    if (state_ == UpdateState::rebooting && acknowledged) reboot_acked_ = true;
    return {};
}

UpdateActions DeviceUpdate::on_tick(Clock::time_point now) {
    if (!deadline_) {
        if (state_ == UpdateState::awaiting_reboot) deadline_ = now + policy_.confirm_timeout;
        if (state_ == UpdateState::rebooting) deadline_ = now + policy_.reboot_timeout;
        return {};
    }
    if (now < *deadline_) return {};
    if (state_ == UpdateState::awaiting_reboot) {
        return fail(fmt::format("the device did not come back within {} after OTA_COMPLETE",
                                seconds(policy_.confirm_timeout)));
    }
    if (state_ == UpdateState::rebooting) {
        return fail(
            fmt::format("the device did not come back within {} after the reboot that "
                        "precedes a retry",
                        seconds(policy_.reboot_timeout)));
    }
    return {};
}

UpdateActions DeviceUpdate::cancel(std::string why) {
    // A running transfer is let finish: cutting it would leave the updater half-open.
    if (state_ != UpdateState::pending && state_ != UpdateState::rebooting) return {};
    error_ = std::move(why);
    return to(UpdateState::cancelled);
}

void DeviceUpdate::restore(UpdateState state, std::uint32_t attempts, bool needs_reboot,
                           Clock::time_point now) {
    attempts_ = attempts;
    needs_reboot_ = needs_reboot;
    switch (state) {
        case UpdateState::transferring:
            needs_reboot_ = true;  // the restart cut it
            state_ = UpdateState::pending;
            break;
        case UpdateState::rebooting:
            state_ = UpdateState::pending;  // ask again: the reboot's fate is unknown
            break;
        case UpdateState::awaiting_reboot:
            state_ = state;
            deadline_ = now + policy_.confirm_timeout;
            break;
        default:
            state_ = state;
    }
}

std::ostream& operator<<(std::ostream& os, const UpdateActions& a) {
    os << "{";
    if (a.start_transfer) os << " start_transfer";
    if (a.send_reboot) os << " send_reboot";
    if (a.state_changed) os << " state_changed";
    if (a.deadline) os << " deadline";
    return os << " }";
}

}  // namespace ptalk::updates
