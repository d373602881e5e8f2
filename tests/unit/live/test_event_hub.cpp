// The hub's bookkeeping without sockets: an io_context run by the test thread.
#include "live/event_hub.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace ptalk::live {
namespace {

namespace asio = boost::asio;

std::vector<store::EventRecord> events(std::uint64_t from, std::size_t n, std::string type = "t") {
    std::vector<store::EventRecord> out;
    for (std::size_t i = 0; i < n; ++i) {
        store::EventRecord e;
        e.id = from + i;
        e.type = type;
        e.device_id = "aabbccddeeff";
        out.push_back(e);
    }
    return out;
}

TEST(EventHub, DeliversMatchingEventsInOrder) {
    asio::io_context ioc;
    EventHub hub(100);
    EventMatch m;
    m.type_prefixes = {"device."};
    auto sub = hub.subscribe(ioc.get_executor(), m);
    hub.publish(events(1, 3, "device.online"));
    hub.publish(events(4, 2, "ota.progress"));
    hub.publish(events(6, 1, "device.offline"));
    auto b = sub->take();
    ASSERT_EQ(b.events.size(), 4u);
    EXPECT_EQ(b.events[0].id, 1u);
    EXPECT_EQ(b.events[3].id, 6u);
    EXPECT_FALSE(b.overflowed);
    EXPECT_TRUE(sub->take().events.empty());
}

TEST(EventHub, ALaggingSubscriberIsDroppedNotGrown) {
    asio::io_context ioc;
    EventHub hub(10);
    auto slow = hub.subscribe(ioc.get_executor(), {});
    auto fast = hub.subscribe(ioc.get_executor(), {});
    hub.publish(events(1, 8));
    (void)fast->take();
    hub.publish(events(9, 8));  // slow now holds 16 > 10
    EXPECT_EQ(hub.subscribers(), 1u);
    EXPECT_EQ(hub.lagging_dropped(), 1u);
    auto b = slow->take();
    EXPECT_TRUE(b.overflowed);
    EXPECT_TRUE(b.events.empty());
    EXPECT_EQ(fast->take().events.size(), 8u);
}

TEST(EventHub, WaitWakesOnPublishAndShutdownCloses) {
    asio::io_context ioc;
    EventHub hub(100);
    auto sub = hub.subscribe(ioc.get_executor(), {});
    bool woke = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await sub->wait(std::chrono::hours(1));
            woke = true;
        },
        asio::detached);
    ioc.run_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(woke);
    hub.publish(events(1, 1));
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(1000));
    EXPECT_TRUE(woke);
    hub.shutdown();
    EXPECT_TRUE(sub->take().closed);
    EXPECT_EQ(hub.subscribers(), 0u);
}

}  // namespace
}  // namespace ptalk::live
