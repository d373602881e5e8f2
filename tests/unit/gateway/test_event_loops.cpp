#include "gateway/event_loops.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>

#include "core/thread_name.hpp"

namespace ptalk::gateway {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Posts one task to each of `n` executors from next() and waits for them all;
// returns the ids of the threads they ran on.
std::set<std::thread::id> threads_of_next(EventLoops& loops, int n) {
    std::mutex m;
    std::set<std::thread::id> ids;
    std::atomic<int> done{0};
    for (int i = 0; i < n; ++i) {
        asio::post(loops.next(), [&] {
            {
                std::lock_guard lk(m);
                ids.insert(std::this_thread::get_id());
            }
            done.fetch_add(1);
        });
    }
    for (int i = 0; i < 500 && done.load() < n; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(done.load(), n);
    return ids;
}

TEST(EventLoops, ConnectionsAreSpreadOverOneThreadPerLoop) {
    EventLoops loops(3);
    EXPECT_EQ(loops.size(), 3U);
    loops.run();
    const auto ids = threads_of_next(loops, 9);
    EXPECT_EQ(ids.size(), 3U);
    EXPECT_EQ(ids.count(std::this_thread::get_id()), 0U);
    loops.stop();
}

TEST(EventLoops, OneExecutorAlwaysRunsOnTheSameThread) {
    EventLoops loops(2);
    loops.run();
    const auto ex = loops.next();
    std::mutex m;
    std::set<std::thread::id> ids;
    std::atomic<int> done{0};
    for (int i = 0; i < 50; ++i) {
        asio::post(ex, [&] {
            std::lock_guard lk(m);
            ids.insert(std::this_thread::get_id());
            done.fetch_add(1);
        });
    }
    for (int i = 0; i < 500 && done.load() < 50; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(done.load(), 50);
    EXPECT_EQ(ids.size(), 1U);
    loops.stop();
}

TEST(EventLoops, EachThreadIsNamedAfterItsLoop) {
    EventLoops loops(2);
    loops.run();
    std::mutex m;
    std::set<std::string> names;
    std::atomic<int> done{0};
    for (int i = 0; i < 2; ++i) {
        asio::post(loops.next(), [&] {
            std::lock_guard lk(m);
            names.insert(core::this_thread_name());
            done.fetch_add(1);
        });
    }
    for (int i = 0; i < 500 && done.load() < 2; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(names, (std::set<std::string>{"io-0", "io-1"}));
    loops.stop();
}

TEST(EventLoops, ZeroMeansOneAndStopIsIdempotent) {
    EventLoops loops(0);
    EXPECT_EQ(loops.size(), 1U);
    loops.run();
    EXPECT_EQ(threads_of_next(loops, 2).size(), 1U);
    loops.stop();
    loops.stop();  // and the destructor once more
}

}  // namespace
}  // namespace ptalk::gateway
