#include "store/status.hpp"

#include <string>

#include <gtest/gtest.h>

namespace ptalk::store {
namespace {

TEST(Status, DefaultIsOk) {
    Status s;
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE(static_cast<bool>(s));
    EXPECT_STREQ(to_string(s.code), "ok");
}

TEST(Result, HoldsAValueOrTheError) {
    Result<std::string> v = std::string("x");
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, "x");
    EXPECT_TRUE(v.error().ok());

    Result<std::string> e = Status{StatusCode::full, "disk full"};
    EXPECT_FALSE(e);
    EXPECT_EQ(e.error().code, StatusCode::full);
    EXPECT_STREQ(to_string(e.error().code), "full");
}

}  // namespace
}  // namespace ptalk::store
