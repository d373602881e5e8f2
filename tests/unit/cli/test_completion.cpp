#include "cli/console/completion.hpp"

#include <gtest/gtest.h>

namespace ptalk::cli::console {
namespace {

using V = std::vector<std::string>;

const std::vector<DeviceInfo> devices{{"24a160000000", "Kitchen", true, 1, ""},
                                      {"24a160000001", "Living Room", true, 1, ""},
                                      {"24a160000002", "Living Lamp", false, 1, ""}};

TEST(Completion, CommandWords) {
    EXPECT_EQ(complete("re", 0, devices), (V{"reboot"}));
    EXPECT_EQ(complete("b", 0, devices), (V{"ble", "bright"}));
    EXPECT_EQ(complete("  st", 2, devices), (V{"status"}));
    EXPECT_EQ(complete("all b", 4, devices), (V{"ble", "bright"}));
    EXPECT_EQ(complete("all d", 4, devices), V{});  // devices does not follow all
}

TEST(Completion, IdsAndNamesAfterUse) {
    EXPECT_EQ(complete("use ", 4, devices), (V{"24a160000000", "24a160000001", "24a160000002",
                                               "Kitchen", "Living Lamp", "Living Room"}));
    EXPECT_EQ(complete("use 24a1600000", 4, devices),
              (V{"24a160000000", "24a160000001", "24a160000002"}));
    EXPECT_EQ(complete("use kit", 4, devices), (V{"Kitchen"}));
    EXPECT_EQ(complete("use Liv", 4, devices), (V{"Living Lamp", "Living Room"}));
}

TEST(Completion, NamesWithSpacesCompleteTheirLastWord) {
    // "use Living R|": readline's word is "R"; what replaces it is the rest of the name.
    EXPECT_EQ(complete("use Living R", 11, devices), (V{"Room"}));
    EXPECT_EQ(complete("use living ", 11, devices), (V{"Lamp", "Room"}));
}

TEST(Completion, NothingElsewhere) {
    EXPECT_EQ(complete("vol 7", 4, devices), V{});
    EXPECT_EQ(complete("xyz", 0, devices), V{});
}

}  // namespace
}  // namespace ptalk::cli::console
