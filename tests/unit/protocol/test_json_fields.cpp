#include "protocol/json_fields.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace ptalk::protocol;
using namespace ptalk::protocol::test;
using namespace ptalk::protocol::detail;
namespace json = boost::json;

TEST(AsInteger, IntegersWithinBounds) {
    EXPECT_EQ(as_integer(json::value(5), 0, 10).value(), 5);
    EXPECT_EQ(as_integer(json::value(0), 0, 10).value(), 0);
    EXPECT_EQ(as_integer(json::value(10), 0, 10).value(), 10);
    EXPECT_EQ(as_integer(json::value(-3), -5, 5).value(), -3);
    EXPECT_EQ(as_integer(json::value(std::uint64_t{7}), 0, 10).value(), 7);
    EXPECT_EQ(as_integer(json::value(7.0), 0, 10).value(), 7);
    EXPECT_EQ(as_integer(json::value(4294967295.0), 0, 4294967295).value(), 4294967295);
}

TEST(AsInteger, OutOfBounds) {
    EXPECT_EQ(as_integer(json::value(11), 0, 10).error(), err(error::out_of_range));
    EXPECT_EQ(as_integer(json::value(-1), 0, 10).error(), err(error::out_of_range));
    EXPECT_EQ(as_integer(json::value(UINT64_MAX), 0, 10).error(), err(error::out_of_range));
    EXPECT_EQ(as_integer(json::value(UINT64_MAX), 0, INT64_MAX).error(), err(error::out_of_range));
    EXPECT_EQ(as_integer(json::value(1e300), 0, 10).error(), err(error::out_of_range));
    EXPECT_EQ(as_integer(json::value(-1e300), 0, 10).error(), err(error::out_of_range));
    EXPECT_EQ(as_integer(json::value(11.0), 0, 10).error(), err(error::out_of_range));
}

TEST(AsInteger, WideBoundsNeverOverflowTheConversion) {
    // 2^63 as a double is one past INT64_MAX: out of range, not undefined behaviour.
    EXPECT_EQ(as_integer(json::value(9223372036854775808.0), INT64_MIN, INT64_MAX).error(),
              err(error::out_of_range));
    EXPECT_EQ(as_integer(json::value(-9223372036854775808.0), INT64_MIN, INT64_MAX).value(),
              INT64_MIN);
    EXPECT_EQ(as_integer(json::value(INT64_MAX), INT64_MIN, INT64_MAX).value(), INT64_MAX);
}

TEST(AsInteger, NonIntegersAreWrongType) {
    for (const auto& v :
         {json::value(1.5), json::value(-0.5), json::value("1"), json::value(true),
          json::value(nullptr), json::value(json::array{}), json::value(json::object{}),
          json::value(std::numeric_limits<double>::infinity()),
          json::value(std::numeric_limits<double>::quiet_NaN())}) {
        EXPECT_EQ(as_integer(v, 0, 10).error(), err(error::wrong_type)) << v;
    }
}

TEST(OptionalInteger, AbsentAndNullAreNothing) {
    const auto o = json::parse(R"({"a":null})").as_object();
    EXPECT_EQ(optional_integer(o, "a", 0, 10).value(), std::nullopt);
    EXPECT_EQ(optional_integer(o, "b", 0, 10).value(), std::nullopt);
}

TEST(OptionalInteger, PresentIsCheckedAndKeysAreCaseInsensitive) {
    const auto o = json::parse(R"({"Volume":7,"bad":"7","big":70})").as_object();
    EXPECT_EQ(optional_integer(o, "volume", 0, 10).value(), 7);
    EXPECT_EQ(optional_integer(o, "bad", 0, 10).error(), err(error::wrong_type));
    EXPECT_EQ(optional_integer(o, "big", 0, 10).error(), err(error::out_of_range));
}

TEST(OptionalString, AbsentNullPresentAndBounded) {
    const auto o = json::parse(R"({"a":null,"S":"hello","n":5})").as_object();
    EXPECT_EQ(optional_string(o, "a", 10).value(), std::nullopt);
    EXPECT_EQ(optional_string(o, "missing", 10).value(), std::nullopt);
    EXPECT_EQ(optional_string(o, "s", 10).value(), "hello");
    EXPECT_EQ(optional_string(o, "s", 5).value(), "hello");
    EXPECT_EQ(optional_string(o, "s", 4).error(), err(error::invalid_text));
    EXPECT_EQ(optional_string(o, "n", 10).error(), err(error::wrong_type));
}
