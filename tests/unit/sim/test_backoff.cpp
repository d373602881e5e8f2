#include "sim/backoff.hpp"

#include <gtest/gtest.h>

using namespace ptalk::sim;
using namespace std::chrono_literals;

TEST(Backoff, StartsAtTheBaseDoublesAndCaps) {
    std::mt19937_64 rng(1);
    Backoff b({1500ms, 10'000ms, 0.0});
    EXPECT_EQ(b.next(rng), 1500ms);
    EXPECT_EQ(b.next(rng), 3000ms);
    EXPECT_EQ(b.next(rng), 6000ms);
    EXPECT_EQ(b.next(rng), 10'000ms);
    EXPECT_EQ(b.next(rng), 10'000ms);
    b.reset();
    EXPECT_EQ(b.next(rng), 1500ms);
}

TEST(Backoff, JitterStaysWithinItsBounds) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200; ++i) {
        Backoff b({1000ms, 30'000ms, 0.25});
        auto d = b.next(rng);
        EXPECT_GE(d, 750ms);
        EXPECT_LE(d, 1250ms);
    }
}
