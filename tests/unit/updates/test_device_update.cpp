// One device's update stepped by hand: the happy path, the proof at the
// handshake, the reboot before every retry, attempts, deadlines, battery, restore.
#include "updates/device_update.hpp"

#include <gtest/gtest.h>

namespace ptalk::updates {
namespace {

using namespace std::chrono_literals;
using ota::TransferEnd;
using ota::TransferResult;

const Clock::time_point t0{};

UpdatePolicy policy() {
    UpdatePolicy p;
    p.max_attempts = 2;
    p.confirm_timeout = 60s;
    p.reboot_timeout = 30s;
    p.battery_floor = 30;
    return p;
}

TransferResult ended(TransferEnd e) {
    return {e, std::string(ota::to_string(e)), 0, {}};
}

TEST(DeviceUpdate, HappyPathEndsAtTheHandshakeWithTheNewVersion) {
    DeviceUpdate u("1.0.6", policy());
    auto a = u.on_online("1.0.5", 80, t0);
    EXPECT_TRUE(a.start_transfer);
    EXPECT_EQ(u.state(), UpdateState::transferring);
    EXPECT_EQ(u.attempts(), 1u);
    a = u.on_transfer_end(ended(TransferEnd::restarting), t0 + 5s);
    EXPECT_EQ(u.state(), UpdateState::awaiting_reboot);
    ASSERT_TRUE(a.deadline);
    EXPECT_EQ(*a.deadline, t0 + 65s);
    (void)u.on_offline(t0 + 6s);
    EXPECT_EQ(u.state(), UpdateState::awaiting_reboot) << "the restart's drop is expected";
    a = u.on_online("1.0.6", 80, t0 + 9s);
    EXPECT_TRUE(a.state_changed);
    EXPECT_EQ(u.state(), UpdateState::succeeded);
}

TEST(DeviceUpdate, AlreadyOnTheVersionSucceedsWithoutATransfer) {
    DeviceUpdate u("1.0.6", policy());
    auto a = u.on_online("1.0.6", 80, t0);
    EXPECT_FALSE(a.start_transfer);
    EXPECT_EQ(u.state(), UpdateState::succeeded);
    EXPECT_EQ(u.attempts(), 0u);
}

TEST(DeviceUpdate, ComingBackWithTheOldVersionFails) {
    DeviceUpdate u("1.0.6", policy());
    (void)u.on_online("1.0.5", 80, t0);
    (void)u.on_transfer_end(ended(TransferEnd::restarting), t0);
    (void)u.on_online("1.0.5", 80, t0 + 5s);
    EXPECT_EQ(u.state(), UpdateState::failed);
    EXPECT_NE(u.error().find("came back with version 1.0.5"), std::string::npos) << u.error();
}

TEST(DeviceUpdate, NotComingBackInTimeFails) {
    DeviceUpdate u("1.0.6", policy());
    (void)u.on_online("1.0.5", 80, t0);
    (void)u.on_transfer_end(ended(TransferEnd::restarting), t0);
    EXPECT_FALSE(u.on_tick(t0 + 59s).state_changed);
    EXPECT_TRUE(u.on_tick(t0 + 60s).state_changed);
    EXPECT_EQ(u.state(), UpdateState::failed);
    EXPECT_NE(u.error().find("did not come back within 60 s"), std::string::npos) << u.error();
}

TEST(DeviceUpdate, AnInterruptedTransferRebootsTheDeviceBeforeTheRetry) {
    DeviceUpdate u("1.0.6", policy());
    (void)u.on_online("1.0.5", 80, t0);
    auto a = u.on_transfer_end(ended(TransferEnd::interrupted), t0 + 1s);
    EXPECT_EQ(u.state(), UpdateState::pending);
    EXPECT_TRUE(u.needs_reboot());
    EXPECT_FALSE(a.start_transfer);
    // The device comes back after its Wi-Fi drop, same boot: its updater is half-open.
    a = u.on_online("1.0.5", 80, t0 + 3s);
    EXPECT_TRUE(a.send_reboot);
    EXPECT_FALSE(a.start_transfer);
    EXPECT_EQ(u.state(), UpdateState::rebooting);
    (void)u.on_reboot_sent(true, t0 + 3s);
    a = u.on_online("1.0.5", 80, t0 + 8s);  // the handshake after the reboot
    EXPECT_TRUE(a.start_transfer);
    EXPECT_FALSE(u.needs_reboot());
    EXPECT_EQ(u.attempts(), 2u);
}

TEST(DeviceUpdate, AnUnconfirmedRebootIsAskedAgain) {
    DeviceUpdate u("1.0.6", policy());
    (void)u.on_online("1.0.5", 80, t0);
    (void)u.on_transfer_end(ended(TransferEnd::failed), t0);
    (void)u.on_online("1.0.5", 80, t0);
    (void)u.on_reboot_sent(false, t0);  // timed out: did it reboot? unknown
    auto a = u.on_online("1.0.5", 80, t0 + 5s);
    EXPECT_TRUE(a.send_reboot);
    EXPECT_FALSE(a.start_transfer);
}

TEST(DeviceUpdate, AttemptsAreBounded) {
    DeviceUpdate u("1.0.6", policy());
    (void)u.on_online("1.0.5", 80, t0);
    (void)u.on_transfer_end(ended(TransferEnd::failed), t0);
    (void)u.on_online("1.0.5", 80, t0);
    (void)u.on_reboot_sent(true, t0);
    (void)u.on_online("1.0.5", 80, t0);
    EXPECT_EQ(u.attempts(), 2u);
    (void)u.on_transfer_end(ended(TransferEnd::interrupted), t0);
    EXPECT_EQ(u.state(), UpdateState::failed);
    EXPECT_NE(u.error().find("attempt 2 of 2"), std::string::npos) << u.error();
}

TEST(DeviceUpdate, ANotInstalledImageFailsAtOnce) {
    DeviceUpdate u("1.0.6", policy());
    (void)u.on_online("1.0.5", 80, t0);
    (void)u.on_transfer_end(ended(TransferEnd::not_installed), t0);
    EXPECT_EQ(u.state(), UpdateState::failed);
}

TEST(DeviceUpdate, ShutdownDoesNotCountAsAnAttempt) {
    DeviceUpdate u("1.0.6", policy());
    (void)u.on_online("1.0.5", 80, t0);
    (void)u.on_transfer_end(ended(TransferEnd::shutdown), t0);
    EXPECT_EQ(u.state(), UpdateState::pending);
    EXPECT_EQ(u.attempts(), 0u);
    EXPECT_TRUE(u.needs_reboot());
}

TEST(DeviceUpdate, LowBatteryRefusesToStart) {
    DeviceUpdate u("1.0.6", policy());
    auto a = u.on_online("1.0.5", 29, t0);
    EXPECT_FALSE(a.start_transfer);
    EXPECT_EQ(u.state(), UpdateState::failed);
    EXPECT_NE(u.error().find("battery 29% is below the 30% floor"), std::string::npos);
    DeviceUpdate unknown("1.0.6", policy());
    EXPECT_TRUE(unknown.on_online("1.0.5", std::nullopt, t0).start_transfer)
        << "an unknown charge does not block";
}

TEST(DeviceUpdate, CancelStopsOnlyWhatHasNotStarted) {
    DeviceUpdate waiting("1.0.6", policy());
    EXPECT_TRUE(waiting.cancel("by hand").state_changed);
    EXPECT_EQ(waiting.state(), UpdateState::cancelled);
    DeviceUpdate running("1.0.6", policy());
    (void)running.on_online("1.0.5", 80, t0);
    EXPECT_FALSE(running.cancel("by hand").state_changed);
    EXPECT_EQ(running.state(), UpdateState::transferring);
}

TEST(DeviceUpdate, RestoreAfterAServerRestart) {
    DeviceUpdate cut("1.0.6", policy());
    cut.restore(UpdateState::transferring, 1, false, t0);
    EXPECT_EQ(cut.state(), UpdateState::pending);
    EXPECT_TRUE(cut.needs_reboot()) << "the restart cut the stream: reboot before the retry";
    EXPECT_TRUE(cut.on_online("1.0.5", 80, t0).send_reboot);

    DeviceUpdate confirming("1.0.6", policy());
    confirming.restore(UpdateState::awaiting_reboot, 1, false, t0);
    (void)confirming.on_online("1.0.6", 80, t0 + 1s);
    EXPECT_EQ(confirming.state(), UpdateState::succeeded);
}

TEST(DeviceUpdate, StateNamesRoundTrip) {
    for (auto s : {UpdateState::pending, UpdateState::rebooting, UpdateState::transferring,
                   UpdateState::awaiting_reboot, UpdateState::succeeded, UpdateState::failed,
                   UpdateState::cancelled})
        EXPECT_EQ(update_state_from_string(to_string(s)), s);
    EXPECT_FALSE(update_state_from_string("bogus"));
}

}  // namespace
}  // namespace ptalk::updates
