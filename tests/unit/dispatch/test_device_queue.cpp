#include "dispatch/device_queue.hpp"

#include <sstream>

#include <gtest/gtest.h>

#include "protocol/frame_parser.hpp"

namespace ptalk::dispatch {
namespace {

using namespace std::chrono_literals;
using protocol::CommandKind;

// Fake time: the test's own timeline, starting at 0 ms.
const Clock::time_point t0{};
Clock::time_point at(std::chrono::milliseconds ms) {
    return t0 + ms;
}

protocol::Reply reply(std::string_view json) {
    auto m = protocol::parse_device_frame(json, false);
    auto* r = std::get_if<protocol::Reply>(&m);
    EXPECT_NE(r, nullptr) << "not a reply: " << json;
    return r != nullptr ? *r : protocol::Reply{};
}

protocol::Reply volume_ack(int v) {
    return reply("{\n\t\"status\":\t\"ok\",\n\t\"volume\":\t" + std::to_string(v) +
                 ",\n\t\"device_id\":\t\"24a160ff3b9c\"\n}");
}

protocol::Reply status_reply(int volume) {
    return reply(R"({"status":"ok","device_id":"24a160ff3b9c","device_name":"PTalk",)"
                 R"("battery_percent":85,"connectivity_state":"ONLINE","firmware_version":"1.0.1",)"
                 R"("volume":)" +
                 std::to_string(volume) + R"(,"brightness":100,"uptime_sec":42})");
}

Request set_volume(std::uint64_t id, int v, std::chrono::milliseconds timeout = 5000ms) {
    return Request{id, protocol::make_set_volume(v).value(), timeout, false};
}
Request status(std::uint64_t id) {
    return Request{id, protocol::make_request_status()};
}
Request reboot(std::uint64_t id) {
    return Request{id, protocol::make_reboot()};
}

std::string frame_of(const Request& r) {
    return protocol::encode_command(r.command).value();
}

TEST(DeviceQueue, SendsAtOnceWhenIdle) {
    DeviceQueue q;
    const Request r = set_volume(1, 30);
    const Actions a = q.enqueue(r, t0);
    EXPECT_EQ(a.send, frame_of(r)) << a;
    EXPECT_EQ(a.arm, at(5000ms)) << a;
    EXPECT_TRUE(a.completed.empty()) << a;
    EXPECT_TRUE(q.busy());
    EXPECT_EQ(q.queued(), 0U);
    EXPECT_EQ(q.in_flight()->id, 1U);
    EXPECT_EQ(q.deadline(), at(5000ms));
}

TEST(DeviceQueue, OneInFlightTheRestInOrder) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30), t0);
    EXPECT_TRUE(q.enqueue(set_volume(2, 40), at(1ms)).empty());
    EXPECT_TRUE(q.enqueue(status(3), at(2ms)).empty());
    EXPECT_EQ(q.queued(), 2U);

    Actions a = q.on_reply(volume_ack(30), at(10ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].id, 1U);
    EXPECT_EQ(a.send, frame_of(set_volume(2, 40))) << a;
    // The timer now waits for the earlier of command 2's reply deadline (5010 ms)
    // and the queued status's expiry (queued at 2 ms with 5 s).
    EXPECT_EQ(a.arm, at(5002ms));
    EXPECT_FALSE(a.cancel_timer);

    a = q.on_reply(volume_ack(40), at(20ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].id, 2U);
    EXPECT_EQ(a.send, frame_of(status(3))) << a;

    a = q.on_reply(status_reply(40), at(30ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].id, 3U);
    EXPECT_FALSE(a.send);
    EXPECT_TRUE(a.cancel_timer) << a;
    EXPECT_FALSE(q.busy());
}

TEST(DeviceQueue, EnqueueFrontJumpsTheQueue) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30), t0);
    (void)q.enqueue(set_volume(2, 40), t0);
    (void)q.enqueue_front(status(3), t0);
    const Actions a = q.on_reply(volume_ack(30), at(5ms));
    EXPECT_EQ(a.send, frame_of(status(3))) << a;
    EXPECT_EQ(q.queued(), 1U);
}

TEST(DeviceQueue, FullQueueRefusesAtOnce) {
    DeviceQueue q(2);
    (void)q.enqueue(set_volume(1, 30), t0);  // in flight: not counted
    (void)q.enqueue(set_volume(2, 31), t0);
    (void)q.enqueue(set_volume(3, 32), t0);
    const Actions a = q.enqueue(set_volume(4, 33), at(7ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].id, 4U);
    EXPECT_EQ(a.completed[0].outcome, Outcome::queue_full);
    EXPECT_FALSE(a.completed[0].sent_at);
    EXPECT_EQ(a.completed[0].finished_at, at(7ms));
    EXPECT_FALSE(a.send);
    EXPECT_EQ(q.queued(), 2U);
    // ptalk's own follow-ups are not refused.
    EXPECT_TRUE(q.enqueue_front(status(5), t0).completed.empty());
    EXPECT_EQ(q.queued(), 3U);
}

TEST(DeviceQueue, OkReplyCarriesTheReplyAndLatency) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30), at(100ms));
    const Actions a = q.on_reply(volume_ack(30), at(140ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    const Completion& c = a.completed[0];
    EXPECT_EQ(c.outcome, Outcome::ok);
    EXPECT_EQ(c.kind, CommandKind::set_volume);
    EXPECT_FALSE(c.internal);
    ASSERT_TRUE(c.reply);
    EXPECT_EQ(c.reply->volume, 30);
    EXPECT_EQ(c.sent_at, at(100ms));
    EXPECT_EQ(c.finished_at, at(140ms));
    EXPECT_EQ(c.latency(), 40ms);
}

struct StatusCase {
    const char* status;
    Outcome outcome;
};

class DeviceStatusOutcome : public testing::TestWithParam<StatusCase> {};

TEST_P(DeviceStatusOutcome, TheDevicesOwnStatusIsTheOutcome) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30), t0);
    const std::string json =
        std::string(R"({"status":")") + GetParam().status + R"(","message":"nope"})";
    const Actions a = q.on_reply(reply(json), at(3ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].outcome, GetParam().outcome);
    ASSERT_TRUE(a.completed[0].reply);
    EXPECT_EQ(a.completed[0].reply->status_text, GetParam().status);
}

INSTANTIATE_TEST_SUITE_P(Statuses, DeviceStatusOutcome,
                         testing::Values(StatusCase{"error", Outcome::error},
                                         StatusCase{"invalid_command", Outcome::invalid_command},
                                         StatusCase{"invalid_param", Outcome::invalid_param},
                                         StatusCase{"not_supported", Outcome::not_supported},
                                         StatusCase{"device_busy", Outcome::device_busy},
                                         StatusCase{"something_new", Outcome::error}));

TEST(DeviceQueue, TimeoutEndsTheCommandAndSendsTheNext) {
    DeviceQueue q;
    (void)q.enqueue(status(1), t0);
    (void)q.enqueue(Request{2, protocol::make_reboot(), 8000ms, false}, t0);
    const Actions a = q.on_timer(at(5000ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].outcome, Outcome::timeout);
    EXPECT_FALSE(a.completed[0].reply);
    EXPECT_EQ(a.completed[0].latency(), 5000ms);
    EXPECT_EQ(a.send, frame_of(reboot(2))) << a;  // no follow-up: not a setter
    EXPECT_EQ(a.arm, at(13000ms));
}

TEST(DeviceQueue, TimerFiredEarlyOrIdleIsIgnored) {
    DeviceQueue q;
    EXPECT_TRUE(q.on_timer(at(1ms)).empty());
    (void)q.enqueue(set_volume(1, 30), t0);
    const Actions a = q.on_timer(at(4999ms));
    EXPECT_TRUE(a.completed.empty()) << a;
    EXPECT_FALSE(a.send) << a;
    EXPECT_EQ(a.arm, at(5000ms)) << a;  // the timer fired, so it is set again
    EXPECT_TRUE(q.busy());
    EXPECT_EQ(q.on_timer(at(5000ms)).completed.size(), 1U);
}

// A command's timeout bounds its wait in the queue too: one that never got its
// turn ends `timeout` unsent (no sent_at, so no follow-up status), and the
// commands behind it are unaffected.
TEST(DeviceQueue, QueuedCommandsExpireUnsentWhenTheirTimeoutRunsOut) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30, 5000ms), t0);
    (void)q.enqueue(set_volume(2, 40, 1000ms), at(10ms));
    (void)q.enqueue(set_volume(3, 50, 8000ms), at(20ms));
    EXPECT_EQ(q.next_wake(), at(1010ms));

    Actions a = q.on_timer(at(1010ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].id, 2U);
    EXPECT_EQ(a.completed[0].outcome, Outcome::timeout);
    EXPECT_FALSE(a.completed[0].sent_at);
    EXPECT_FALSE(a.completed[0].latency());
    EXPECT_FALSE(a.send) << a;  // command 1 is still in flight
    EXPECT_EQ(a.arm, at(5000ms)) << a;
    EXPECT_EQ(q.queued(), 1U);

    a = q.on_reply(volume_ack(30), at(1500ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].id, 1U);
    EXPECT_EQ(a.send, frame_of(set_volume(3, 50))) << a;  // 3 waited less than its 8 s
    EXPECT_EQ(a.arm, at(9500ms)) << a;
}

TEST(DeviceQueue, EverythingQueuedBehindASilentDeviceEndsWithinItsTimeout) {
    DeviceQueue q;
    (void)q.enqueue(status(1), t0);
    for (std::uint64_t id = 2; id <= 4; ++id)
        (void)q.enqueue(Request{id, protocol::make_request_status(), 5000ms, false}, t0);
    const Actions a = q.on_timer(at(5000ms));
    ASSERT_EQ(a.completed.size(), 4U) << a;
    for (const auto& c : a.completed)
        EXPECT_EQ(c.outcome, Outcome::timeout);
    EXPECT_TRUE(a.completed[0].sent_at);  // the one in flight
    EXPECT_FALSE(a.send) << a;
    EXPECT_FALSE(a.arm) << a;  // nothing left to wait for
    EXPECT_FALSE(q.busy());
    EXPECT_EQ(q.queued(), 0U);
}

TEST(DeviceQueue, HeldCommandsExpireToo) {
    DeviceQueue q;
    (void)q.set_hold(true, t0);
    const Actions queued = q.enqueue(status(1), t0);
    EXPECT_FALSE(queued.send) << queued;
    EXPECT_EQ(queued.arm, at(5000ms)) << queued;
    const Actions a = q.on_timer(at(5000ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].outcome, Outcome::timeout);
    EXPECT_FALSE(a.completed[0].sent_at);
    EXPECT_FALSE(a.arm) << a;
}

// PROTOCOL.md §4: the late answer to a timed-out command never answers the next.
TEST(DeviceQueue, LateReplyOfATimedOutSetterIsStale) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30), t0);
    (void)q.enqueue(set_volume(2, 50, 20000ms), at(1ms));  // waits out two timeouts
    Actions a = q.on_timer(at(5000ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].outcome, Outcome::timeout);
    // The ambiguous setter is followed by an internal request_status; let it time out too.
    ASSERT_TRUE(q.in_flight()->internal);
    a = q.on_timer(at(10000ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_TRUE(a.completed[0].internal);
    EXPECT_EQ(a.send, frame_of(set_volume(2, 50))) << a;  // no second follow-up

    a = q.on_reply(volume_ack(30), at(10100ms));
    EXPECT_TRUE(a.stale_reply) << a;
    EXPECT_TRUE(a.completed.empty()) << a;
    EXPECT_FALSE(a.arm || a.cancel_timer) << a;  // still waiting, same deadline
    EXPECT_EQ(q.in_flight()->id, 2U);

    a = q.on_reply(volume_ack(50), at(10200ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].id, 2U);
    EXPECT_EQ(a.completed[0].outcome, Outcome::ok);
    EXPECT_FALSE(a.stale_reply);
}

TEST(DeviceQueue, SetterTimeoutIsFollowedByAStatusThatRecordsTheTruth) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30), t0);
    (void)q.enqueue(set_volume(2, 50, 20000ms), at(1ms));
    Actions a = q.on_timer(at(5000ms));
    EXPECT_EQ(a.send, frame_of(status(0))) << a;
    ASSERT_TRUE(q.in_flight());
    EXPECT_EQ(q.in_flight()->id, 0U);
    EXPECT_TRUE(q.in_flight()->internal);
    EXPECT_EQ(q.in_flight()->timeout, 5000ms);

    a = q.on_reply(volume_ack(30), at(5050ms));  // the late ack: no status shape
    EXPECT_TRUE(a.stale_reply) << a;
    a = q.on_reply(status_reply(30), at(5100ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_TRUE(a.completed[0].internal);
    EXPECT_EQ(a.completed[0].kind, CommandKind::request_status);
    EXPECT_EQ(a.completed[0].reply->volume, 30);  // it was applied after all
    EXPECT_EQ(a.send, frame_of(set_volume(2, 50))) << a;
}

TEST(DeviceQueue, FollowUpsDoNotStack) {
    DeviceQueue q;
    (void)q.enqueue(Request{1, protocol::make_set_brightness(10).value()}, t0);
    (void)q.enqueue(Request{2, protocol::make_set_device_name("Kitchen").value(), 20000ms, false},
                    t0);
    (void)q.on_timer(at(5000ms));  // brightness timed out: status in flight
    EXPECT_TRUE(q.in_flight()->internal);
    (void)q.on_timer(at(10000ms));  // status timed out: the name setter is sent
    EXPECT_EQ(q.in_flight()->id, 2U);
    (void)q.on_timer(at(30000ms));  // name timed out (sent at 10 s, 20 s): one status follows
    EXPECT_TRUE(q.in_flight()->internal);
    EXPECT_EQ(q.queued(), 0U);
}

TEST(DeviceQueue, ALateReplyThatFitsByShapeAndValueAnswers) {
    // Two identical setters: the late ack of the first is indistinguishable from
    // the second's, and reply_answers accepts it; the device state is the same.
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30), t0);
    (void)q.enqueue(set_volume(2, 30, 20000ms), t0);
    (void)q.on_timer(at(5000ms));
    (void)q.on_timer(at(10000ms));  // the follow-up status times out too
    const Actions a = q.on_reply(volume_ack(30), at(10010ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].id, 2U);
}

TEST(DeviceQueue, ReplyWithNothingInFlightIsStale) {
    DeviceQueue q;
    const Actions a = q.on_reply(volume_ack(30), t0);
    EXPECT_TRUE(a.stale_reply);
    EXPECT_TRUE(a.completed.empty());
}

TEST(DeviceQueue, DisconnectEndsInFlightAndQueued) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30), t0);
    (void)q.enqueue(set_volume(2, 40), t0);
    (void)q.enqueue(status(3), t0);
    Actions a = q.on_disconnect(at(20ms));
    ASSERT_EQ(a.completed.size(), 3U) << a;
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(a.completed[i].id, i + 1);
        EXPECT_EQ(a.completed[i].outcome, Outcome::disconnected);
    }
    EXPECT_EQ(a.completed[0].sent_at, t0);
    EXPECT_FALSE(a.completed[1].sent_at);
    EXPECT_TRUE(a.cancel_timer);
    EXPECT_FALSE(a.send);
    EXPECT_FALSE(q.busy());
    EXPECT_EQ(q.queued(), 0U);
    // Nothing can be sent over a closed socket.
    a = q.enqueue(status(4), at(30ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].outcome, Outcome::offline);
    EXPECT_FALSE(a.send);
}

TEST(DeviceQueue, RebootAckedBeforeTheSocketDrops) {
    DeviceQueue q;
    (void)q.enqueue(reboot(1), t0);
    // The firmware's ack has no device_id.
    Actions a = q.on_reply(reply(R"({"status":"ok","message":"Rebooting..."})"), at(30ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].outcome, Outcome::ok);
    a = q.on_disconnect(at(530ms));
    EXPECT_TRUE(a.completed.empty()) << a;
}

TEST(DeviceQueue, ShutdownEndsEverything) {
    DeviceQueue q;
    (void)q.enqueue(status(1), t0);
    (void)q.enqueue(status(2), t0);
    Actions a = q.on_shutdown(at(1ms));
    ASSERT_EQ(a.completed.size(), 2U) << a;
    EXPECT_EQ(a.completed[0].outcome, Outcome::shutdown);
    EXPECT_EQ(a.completed[1].outcome, Outcome::shutdown);
    a = q.enqueue(status(3), at(2ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_EQ(a.completed[0].outcome, Outcome::shutdown);
}

TEST(DeviceQueue, HoldStopsSendingUntilReleased) {
    DeviceQueue q;
    EXPECT_TRUE(q.set_hold(true, t0).empty());
    EXPECT_TRUE(q.held());
    const Actions queued = q.enqueue(status(1), t0);
    EXPECT_FALSE(queued.send) << queued;
    EXPECT_TRUE(queued.completed.empty()) << queued;
    EXPECT_FALSE(q.busy());
    EXPECT_EQ(q.queued(), 1U);
    const Actions a = q.set_hold(false, at(9ms));
    EXPECT_EQ(a.send, frame_of(status(1))) << a;
    EXPECT_EQ(a.arm, at(5009ms));
}

TEST(DeviceQueue, HoldLetsTheCommandInFlightFinish) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(1, 30), t0);
    (void)q.enqueue(status(2), t0);
    EXPECT_TRUE(q.set_hold(true, at(1ms)).empty());
    Actions a = q.on_reply(volume_ack(30), at(5ms));
    ASSERT_EQ(a.completed.size(), 1U) << a;
    EXPECT_FALSE(a.send) << a;
    // The timer stays set for 5 s: the held status expires then.
    EXPECT_FALSE(a.arm || a.cancel_timer) << a;
    EXPECT_EQ(q.next_wake(), at(5000ms));
    a = q.set_hold(false, at(100ms));
    EXPECT_EQ(a.send, frame_of(status(2))) << a;
}

TEST(DeviceQueue, ActionsPrintReadably) {
    DeviceQueue q;
    (void)q.enqueue(set_volume(7, 30), t0);
    std::ostringstream os;
    os << q.on_reply(volume_ack(30), at(40ms));
    const std::string s = os.str();
    EXPECT_NE(s.find("cancel_timer"), std::string::npos) << s;
    EXPECT_NE(s.find("#7 set_volume ok"), std::string::npos) << s;
    EXPECT_NE(s.find("sent@0ms done@40ms"), std::string::npos) << s;

    std::ostringstream os2;
    os2 << q.enqueue(status(8), at(50ms));
    EXPECT_NE(os2.str().find("arm@5050ms"), std::string::npos) << os2.str();
    EXPECT_NE(os2.str().find("request_status"), std::string::npos) << os2.str();
}

TEST(Outcome, NamesAndStatuses) {
    EXPECT_EQ(to_string(Outcome::queue_full), "queue_full");
    EXPECT_EQ(to_string(Outcome::disconnected), "disconnected");
    EXPECT_EQ(outcome_from_status(protocol::ReplyStatus::ok), Outcome::ok);
    EXPECT_EQ(outcome_from_status(protocol::ReplyStatus::other), Outcome::error);
    EXPECT_TRUE(is_setter(CommandKind::set_device_name));
    EXPECT_FALSE(is_setter(CommandKind::reboot));
}

}  // namespace
}  // namespace ptalk::dispatch
