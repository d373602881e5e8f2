#include "sim/device_ids.hpp"

#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "protocol/device_id.hpp"

using namespace ptalk::sim;

TEST(DeviceIds, PrefixThenIndexInLowerCaseHex) {
    IdOptions o;
    o.prefix = "A0B1C2";
    auto ids = make_device_ids(o, 3);
    EXPECT_EQ(ids, (std::vector<std::string>{"a0b1c2000000", "a0b1c2000001", "a0b1c2000002"}));
    o.offset = 0x10;
    EXPECT_EQ(make_device_ids(o, 1).front(), "a0b1c2000010");
}

TEST(DeviceIds, SeededIdsAreCanonicalUniqueAndSplitByOffset) {
    IdOptions o;
    o.seed = 42;
    auto all = make_device_ids(o, 1000);
    std::set<std::string> unique(all.begin(), all.end());
    EXPECT_EQ(unique.size(), 1000u);
    for (auto& id : all)
        EXPECT_TRUE(ptalk::protocol::is_canonical_device_id(id)) << id;
    o.offset = 600;
    auto tail = make_device_ids(o, 400);
    EXPECT_EQ(tail, std::vector<std::string>(all.begin() + 600, all.end()));
}

TEST(DeviceIds, BadPrefixesAreRefused) {
    IdOptions o;
    o.prefix = "xyz";
    EXPECT_THROW((void)make_device_ids(o, 1), std::invalid_argument);
    o.prefix = "aaaaaaaaaaa";  // one digit left: 16 devices at most
    EXPECT_NO_THROW((void)make_device_ids(o, 16));
    EXPECT_THROW((void)make_device_ids(o, 17), std::invalid_argument);
}
