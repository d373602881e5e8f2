#include "cli/console/watcher.hpp"

#include <gtest/gtest.h>

#include "cli/console/session.hpp"

namespace ptalk::cli::console {
namespace {

using V = std::vector<std::string>;

TEST(FleetChanges, OnlineOfflineAndReconnects) {
    const std::vector<DeviceInfo> before{{"a", "Kitchen", true, 10, ""},
                                         {"b", "", false, 10, ""},
                                         {"c", "Hall", true, 10, ""},
                                         {"d", "Den", true, 10, ""}};
    const std::vector<DeviceInfo> after{
        {"a", "Kitchen", false, 10, ""}, {"b", "", true, 20, ""},
        {"c", "Hall", true, 30, ""},     {"d", "Den", true, 10, ""},
        {"e", "New", true, 5, ""},       {"f", "", false, std::nullopt, ""}};
    EXPECT_EQ(fleet_changes(before, after),
              (V{"* Kitchen (a) went offline", "* b is back online",
                 "* Hall (c) reconnected: back online", "* new device New (e) is online"}));
    EXPECT_EQ(fleet_changes(after, after), V{});
}

TEST(AllSummary, CountsBoth) {
    EXPECT_EQ(all_summary(3, 1), "all: 3 ok, 1 failed");
}

}  // namespace
}  // namespace ptalk::cli::console
