#include "core/thread_name.hpp"

#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace ptalk::core {
namespace {

// Starts a thread, names it from here, and returns the name it then reads.
std::string named_in_a_thread(const std::string& name) {
    std::promise<void> named;
    std::string seen;
    std::thread t([&, ready = named.get_future()]() mutable {
        ready.wait();
        seen = this_thread_name();
    });
    name_thread(t, name);
    named.set_value();
    t.join();
    return seen;
}

TEST(ThreadName, NamesThatThreadAndNoOther) {
    const std::string before = this_thread_name();
    EXPECT_EQ(named_in_a_thread("io-7"), "io-7");
    EXPECT_EQ(this_thread_name(), before);
}

TEST(ThreadName, ALongNameIsCutToWhatLinuxKeeps) {
    EXPECT_EQ(named_in_a_thread("a-name-longer-than-fifteen"), "a-name-longer-t");
    EXPECT_EQ(named_in_a_thread(""), "");
}

}  // namespace
}  // namespace ptalk::core
