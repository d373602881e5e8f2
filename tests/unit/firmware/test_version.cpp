#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "firmware/catalogue.hpp"

namespace ptalk::firmware {
namespace {

TEST(CompareVersions, NumericRunsCompareAsNumbers) {
    EXPECT_LT(compare_versions("1.0.9", "1.0.10"), 0);
    EXPECT_GT(compare_versions("1.0.10", "1.0.9"), 0);
    EXPECT_GT(compare_versions("2.0.0", "1.99.99"), 0);
    EXPECT_LT(compare_versions("1.9", "1.10"), 0);
}

TEST(CompareVersions, EqualAndLeadingZeros) {
    EXPECT_EQ(compare_versions("1.0.6", "1.0.6"), 0);
    EXPECT_EQ(compare_versions("1.01.6", "1.1.6"), 0);
    EXPECT_EQ(compare_versions("", ""), 0);
}

TEST(CompareVersions, APrefixIsOlder) {
    EXPECT_LT(compare_versions("1.0", "1.0.1"), 0);
    EXPECT_GT(compare_versions("1.0.1", "1.0"), 0);
    EXPECT_LT(compare_versions("", "1"), 0);
}

TEST(CompareVersions, TextComparesAsText) {
    EXPECT_LT(compare_versions("1.0.6-beta", "1.0.6-rc"), 0);
    EXPECT_NE(compare_versions("v1.0", "1.0"), 0);
    EXPECT_EQ(compare_versions("v1.0", "v1.0"), 0);
}

TEST(CompareVersions, IsAStrictOrderOverAList) {
    std::vector<std::string> v{"1.0.10", "0.9", "1.0.2", "1.0.9", "10.0", "1.0.2-rc1", "2.0"};
    std::sort(v.begin(), v.end(),
              [](const auto& a, const auto& b) { return compare_versions(a, b) < 0; });
    const std::vector<std::string> want{"0.9",    "1.0.2", "1.0.2-rc1", "1.0.9",
                                        "1.0.10", "2.0",   "10.0"};
    EXPECT_EQ(v, want);
    for (const auto& a : v) {
        for (const auto& b : v) {
            EXPECT_EQ(compare_versions(a, b), -compare_versions(b, a)) << a << " " << b;
        }
    }
}

TEST(CompareVersions, HugeNumbersDoNotOverflow) {
    EXPECT_LT(compare_versions("1.99999999999999999999", "1.100000000000000000000"), 0);
}

}  // namespace
}  // namespace ptalk::firmware
