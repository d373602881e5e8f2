#include "protocol/json_reader.hpp"

#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace ptalk::protocol;
using namespace ptalk::protocol::test;
namespace json = boost::json;

TEST(ReadJson, ReadsAnyJsonValue) {
    EXPECT_EQ(read_json(R"({"a":1})").value(), json::value(json::object{{"a", 1}}));
    EXPECT_EQ(read_json("[1,2]").value(), json::value(json::array{1, 2}));
    EXPECT_EQ(read_json("\"s\"").value(), json::value("s"));
    EXPECT_EQ(read_json("-1.5").value(), json::value(-1.5));
    EXPECT_EQ(read_json("null").value(), json::value(nullptr));
    EXPECT_EQ(read_json("18446744073709551615").value(), json::value(UINT64_MAX));
}

TEST(ReadJson, OnlyTheFirstValueCounts) {
    EXPECT_EQ(read_json(R"({"a":1} {"a":2})").value(), json::value(json::object{{"a", 1}}));
    EXPECT_EQ(read_json("[1]]]]").value(), json::value(json::array{1}));
    EXPECT_EQ(read_json("\"s\"xyz").value(), json::value("s"));
}

TEST(ReadJson, FirstOfCaseInsensitiveDuplicatesWins) {
    const auto v = read_json(R"({"Key":1,"key":2,"KEY":{"nested":true},"other":3})").value();
    const auto& o = v.as_object();
    EXPECT_EQ(o.size(), 2u);
    EXPECT_EQ(o.at("Key"), json::value(1));
    EXPECT_EQ(o.at("other"), json::value(3));
}

TEST(ReadJson, DuplicatesAreResolvedPerObject) {
    const auto v = read_json(R"({"a":{"x":1,"X":2},"b":{"x":3}})").value();
    EXPECT_EQ(v.at("a").as_object().size(), 1u);
    EXPECT_EQ(v.at("a").at("x"), json::value(1));
    EXPECT_EQ(v.at("b").at("x"), json::value(3));
}

TEST(ReadJson, KeysAndStringsSplitAcrossEscapesAreWhole) {
    const auto v = read_json(R"({"k\u0065y":"v\u0061lue\n"})").value();
    EXPECT_EQ(v.at("key"), json::value("value\n"));
}

TEST(ReadJson, DepthLimit) {
    EXPECT_TRUE(read_json("[[[1]]]", 3).has_value());
    EXPECT_EQ(read_json("[[[[1]]]]", 3).error(), err(error::too_deep));
    EXPECT_EQ(read_json(std::string(100000, '['), 8).error(), err(error::too_deep));
    EXPECT_TRUE(read_json("1", 0).has_value());
    EXPECT_EQ(read_json("[]", 0).error(), err(error::too_deep));
}

TEST(ReadJson, SyntaxErrorsAndTruncationAreInvalidJson) {
    for (const char* t : {"", " ", "{", R"({"a")", R"({"a":})", "[1,]", "tru", "nul", "{'a':1}",
                          "/* c */ 1", "]"}) {
        EXPECT_EQ(read_json(t).error(), err(error::invalid_json)) << t;
    }
}

TEST(ReadJson, InvalidUtf8IsInvalidUtf8) {
    for (const char* t : {"\"\xff\"", "\"ok\xc3\x28\"", "{\"\xe2\x82\":1}", "\"\xed\xa0\x80\"",
                          "[\"a\",\"\xc0\xaf\"]", "\"\\udc00\"", "\"\\ud800\\u0041\""}) {
        EXPECT_EQ(read_json(t).error(), err(error::invalid_utf8)) << t;
    }
}

TEST(ReadJson, LoneLeadingSurrogateEscapeIsInvalidJson) {
    // Boost.JSON reports only a syntax error when no \u escape follows.
    EXPECT_EQ(read_json(R"("\ud800")").error(), err(error::invalid_json));
}

TEST(ReadJson, LeadingZeroEndsTheNumber) {
    // "01" is the value 0 followed by ignored bytes, as cJSON reads it.
    EXPECT_EQ(read_json("01").value(), json::value(0));
}

TEST(ReadJson, ValidUtf8InKeysAndValuesIsKept) {
    const auto v = read_json("{\"n\xc3\xa4me\":\"\xf0\x9f\x8e\xa4\"}").value();
    EXPECT_EQ(v.at("n\xc3\xa4me"), json::value("\xf0\x9f\x8e\xa4"));
}

TEST(ReadJson, NumbersBeyondADoubleAreOutOfRange) {
    // They would read as infinity, which serializes to "Infinity": not JSON (found by fuzzing).
    for (const char* t : {"1e400", "-1e400", R"({"a":51e3000})", "[1,2,1e999]"})
        EXPECT_EQ(read_json(t).error(), err(error::out_of_range)) << t;
    EXPECT_EQ(read_json("1e-400").value(), json::value(0.0));
    EXPECT_EQ(read_json("1.7976931348623157e308").value(), json::value(1.7976931348623157e308));
}

TEST(ReadJson, InvalidUtf8AfterTheFirstValueIsIgnored) {
    EXPECT_EQ(read_json("1 \xff").value(), json::value(1));
}

TEST(ReadJson, InvalidUtf8OutsideStringsIsInvalidJson) {
    EXPECT_EQ(read_json("\xff").error(), err(error::invalid_json));
    EXPECT_EQ(read_json("{\xff}").error(), err(error::invalid_json));
}

TEST(FindKey, ExactAndCaseInsensitive) {
    const auto v = read_json(R"({"Device_ID":"x","volume":5})").value();
    const auto& o = v.as_object();
    ASSERT_NE(find_key(o, "device_id"), nullptr);
    EXPECT_EQ(*find_key(o, "device_id"), json::value("x"));
    EXPECT_EQ(*find_key(o, "DEVICE_ID"), json::value("x"));
    EXPECT_EQ(*find_key(o, "VOLUME"), json::value(5));
    EXPECT_EQ(find_key(o, "device"), nullptr);
    EXPECT_EQ(find_key(o, ""), nullptr);
}

TEST(FindKey, OnlyAsciiLettersFoldCase) {
    const auto v = read_json(R"({"ÄB":1})").value();
    EXPECT_EQ(find_key(v.as_object(), "äb"), nullptr);
    EXPECT_NE(find_key(v.as_object(), "Äb"), nullptr);
}
