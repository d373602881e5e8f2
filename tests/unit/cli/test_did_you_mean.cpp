#include "cli/did_you_mean.hpp"

#include <gtest/gtest.h>

namespace ptalk::cli {
namespace {

TEST(EditDistance, CountsEditsIgnoringCase) {
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("kitchen", "Kitchen"), 0u);
    EXPECT_EQ(edit_distance("kitchn", "kitchen"), 1u);
    EXPECT_EQ(edit_distance("24a160000001", "24a160000010"), 2u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
}

TEST(Nearest, PrefixesFirstThenCloseOnes) {
    const std::vector<std::string> c{"24a160000000", "24a160000001", "Kitchen", "Living Room",
                                     "Bedroom"};
    EXPECT_EQ(nearest("kitchn", c), (std::vector<std::string>{"Kitchen"}));
    EXPECT_EQ(nearest("liv", c), (std::vector<std::string>{"Living Room"}));
    EXPECT_EQ(nearest("24a16000000", c),
              (std::vector<std::string>{"24a160000000", "24a160000001"}));
    EXPECT_EQ(nearest("24a160000002", c),
              (std::vector<std::string>{"24a160000000", "24a160000001"}));
    EXPECT_TRUE(nearest("garage", c).empty());
    EXPECT_TRUE(nearest("", c).empty());
}

TEST(Nearest, StopsAtMax) {
    const std::vector<std::string> c{"a1", "a2", "a3", "a4"};
    EXPECT_EQ(nearest("a", c, 2).size(), 2u);
}

}  // namespace
}  // namespace ptalk::cli
