#include "store/pending_writes.hpp"

#include <gtest/gtest.h>

namespace ptalk::store {
namespace {

DeviceRecord device(std::string id, UnixMillis seen) {
    DeviceRecord d;
    d.id = std::move(id);
    d.first_seen = seen;
    d.last_seen = seen;
    return d;
}

CommandRecord command(std::uint64_t id, std::string device = "aabbccddeeff") {
    CommandRecord c;
    c.id = id;
    c.device_id = std::move(device);
    c.cmd = "request_status";
    c.queued_at = 1000;
    return c;
}

EventRecord event(std::string type) {
    EventRecord e;
    e.time = 1;
    e.type = std::move(type);
    return e;
}

TEST(MergeDevice, NewerFieldsWinAbsentOnesKeepTheOlder) {
    DeviceRecord older = device("a", 100);
    older.name = "kitchen";
    older.volume = 30;
    older.online = true;
    DeviceRecord newer = device("a", 200);
    newer.volume = 50;
    newer.brightness = 80;
    newer.online = false;
    merge_device(older, std::move(newer));
    EXPECT_EQ(older.name, "kitchen");
    EXPECT_EQ(older.volume, 50);
    EXPECT_EQ(older.brightness, 80);
    EXPECT_FALSE(older.online);
    EXPECT_EQ(older.first_seen, 100);
    EXPECT_EQ(older.last_seen, 200);
}

TEST(MergeDevice, FirstSeenZeroMeansNotGiven) {
    DeviceRecord older = device("a", 100);
    DeviceRecord newer = device("a", 300);
    newer.first_seen = 0;
    merge_device(older, std::move(newer));
    EXPECT_EQ(older.first_seen, 100);
    EXPECT_EQ(older.last_seen, 300);
}

TEST(PendingWrites, CoalescesDevicesAndCommands) {
    PendingWrites p;
    EXPECT_FALSE(p.add(device("a", 1)));
    EXPECT_TRUE(p.add(device("a", 2)));
    EXPECT_FALSE(p.add(device("b", 2)));
    EXPECT_FALSE(p.add(command(7)));
    CommandRecord finished = command(7);
    finished.outcome = "ok";
    EXPECT_TRUE(p.add(finished));
    p.add(event("x"));
    p.add(event("x"));
    EXPECT_EQ(p.size(), 5U);
    EXPECT_EQ(p.devices().at("a").last_seen, 2);
    EXPECT_EQ(p.commands().at(7).outcome, "ok");
}

TEST(PendingWrites, MergeOlderPutsAFailedBatchInFront) {
    PendingWrites failed;
    DeviceRecord d = device("a", 1);
    d.name = "old name";
    d.volume = 10;
    failed.add(d);
    failed.add(command(1));
    CommandRecord queued = command(2);
    failed.add(queued);
    failed.add(event("first"));

    PendingWrites now;
    DeviceRecord d2 = device("a", 5);
    d2.volume = 20;
    now.add(d2);
    CommandRecord finished = command(2);
    finished.outcome = "timeout";
    now.add(finished);
    now.add(event("second"));

    now.merge_older(std::move(failed));
    EXPECT_EQ(now.devices().size(), 1U);
    EXPECT_EQ(now.devices().at("a").name, "old name");
    EXPECT_EQ(now.devices().at("a").volume, 20);
    EXPECT_EQ(now.devices().at("a").first_seen, 1);
    ASSERT_EQ(now.commands().size(), 2U);
    EXPECT_EQ(now.commands().at(2).outcome, "timeout");
    ASSERT_EQ(now.events().size(), 2U);
    EXPECT_EQ(now.events()[0].type, "first");
    EXPECT_EQ(now.events()[1].type, "second");
}

TEST(PendingWrites, DropsOnlyTheOldestEvents) {
    PendingWrites p;
    p.add(device("a", 1));
    p.add(command(1));
    for (int i = 0; i < 5; ++i)
        p.add(event("e" + std::to_string(i)));
    EXPECT_EQ(p.drop_oldest_events(4), 3U);
    ASSERT_EQ(p.events().size(), 2U);
    EXPECT_EQ(p.events().front().type, "e3");
    // Devices and commands are never dropped, even over the limit.
    EXPECT_EQ(p.drop_oldest_events(0), 2U);
    EXPECT_EQ(p.size(), 2U);
}

}  // namespace
}  // namespace ptalk::store
