#include "fleet/indexed_map.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ptalk::fleet {
namespace {

std::vector<std::string> keys(const IndexedMap<int>& m) {
    std::vector<std::string> out;
    for (const auto& [k, v] : m)
        out.push_back(k);
    return out;
}

TEST(IndexedMap, FindsByHashAndIteratesInOrder) {
    IndexedMap<int> m;
    for (const char* id : {"24a160000003", "24a160000001", "24a160000002"})
        m[id] = static_cast<int>(m.size());
    EXPECT_EQ(keys(m), (std::vector<std::string>{"24a160000001", "24a160000002", "24a160000003"}));
    ASSERT_NE(m.find("24a160000001"), m.end());
    EXPECT_EQ(m.find("24a160000001")->second, 1);
    EXPECT_EQ(m.find("24a160000009"), m.end());
    const auto& cm = m;
    EXPECT_EQ(cm.find("24a160000003")->second, 0);
}

TEST(IndexedMap, TryEmplaceKeepsTheFirstAndEraseForgets) {
    IndexedMap<int> m;
    auto [a, inserted] = m.try_emplace("aabbccddeeff");
    ASSERT_TRUE(inserted);
    a->second = 7;
    auto [b, again] = m.try_emplace("aabbccddeeff");
    EXPECT_FALSE(again);
    EXPECT_EQ(b->second, 7);
    m.erase(b);
    EXPECT_EQ(m.size(), 0U);
    EXPECT_EQ(m.find("aabbccddeeff"), m.end());
    // Many entries: the index keeps pointing at the right nodes as both grow.
    for (int i = 0; i < 5000; ++i)
        m[std::to_string(100000 + i)] = i;
    for (int i = 0; i < 5000; i += 7) {
        auto it = m.find(std::to_string(100000 + i));
        ASSERT_NE(it, m.end());
        EXPECT_EQ(it->second, i);
        m.erase(it);
    }
    EXPECT_EQ(m.size(), 5000U - 715U);
    EXPECT_EQ(m.find("100007"), m.end());
    EXPECT_NE(m.find("100008"), m.end());
}

}  // namespace
}  // namespace ptalk::fleet
