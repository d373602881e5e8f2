#include "cli/api_error.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace ptalk::cli {
namespace {

CliError fail(unsigned status, const char* body,
              FailureContext ctx = {"Kitchen (24a160000000)", {}}) {
    return describe_failure(status, boost::json::parse(body), ctx);
}

TEST(DescribeFailure, CommandOutcomesAreTheDeviceSayingNo) {
    auto e = fail(409, R"({"error":{"code":"offline","message":"the device is offline"}})");
    EXPECT_EQ(e.code(), ExitCode::refused);
    EXPECT_STREQ(e.what(), "device Kitchen (24a160000000) is offline");
    e = fail(504, R"({"error":{"code":"timeout","message":"x"}})");
    EXPECT_EQ(e.code(), ExitCode::refused);
    EXPECT_STREQ(e.what(), "device Kitchen (24a160000000) did not answer in time");
    e = fail(504, R"({"error":{"code":"timeout","message":"x"},"command":{"sent":false}})");
    EXPECT_STREQ(e.what(),
                 "the command timed out waiting behind device Kitchen (24a160000000)'s earlier "
                 "commands; it was not sent");
    e = fail(
        422,
        R"({"error":{"code":"invalid_param","message":"x"},"command":{"reply":{"status":"invalid_param","message":"Invalid volume"}}})");
    EXPECT_EQ(e.code(), ExitCode::refused);
    EXPECT_STREQ(e.what(),
                 "device Kitchen (24a160000000) refused a parameter (device: Invalid volume)");
}

TEST(DescribeFailure, ConfigIncompleteListsEachSetting) {
    const auto e = fail(
        504,
        R"({"error":{"code":"config_incomplete","message":"m"},"results":[)"
        R"({"cmd":"set_volume","outcome":"ok"},{"cmd":"set_brightness","outcome":"timeout"}]})");
    EXPECT_EQ(e.code(), ExitCode::refused);
    EXPECT_STREQ(e.what(),
                 "not every setting was applied to device Kitchen (24a160000000): "
                 "set_volume ok, set_brightness timeout");
}

TEST(DescribeFailure, BadInputIsUsageAndUnknownIsNotFound) {
    auto e = fail(
        400,
        R"({"error":{"code":"invalid_param","message":"volume must be an integer from 0 to 100"}})");
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_STREQ(e.what(),
                 "the server refused the request: volume must be an integer from 0 to 100");
    e = fail(404, R"({"error":{"code":"unknown_device","message":"no device"}})");
    EXPECT_EQ(e.code(), ExitCode::not_found);
    e = fail(422,
             R"({"error":{"code":"wifi_over_ble","message":"Wi-Fi is provisioned over BLE"}})");
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_STREQ(e.what(), "Wi-Fi is provisioned over BLE");
}

TEST(DescribeFailure, AMissingEndpointOfAFeatureIsNotOfferedYet) {
    FailureContext ctx{"", "firmware uploads"};
    auto e = fail(404, R"({"error":{"code":"not_found","message":"no such endpoint"}})", ctx);
    EXPECT_EQ(e.code(), ExitCode::not_found);
    EXPECT_STREQ(e.what(), "this server does not offer firmware uploads yet (nothing was sent)");
    e = fail(501, R"({"error":{"code":"ota_unavailable","message":"m"}})", ctx);
    EXPECT_EQ(e.code(), ExitCode::not_found);
    // An unknown device is still an unknown device, even for a feature.
    e = fail(404, R"({"error":{"code":"unknown_device","message":"m"}})",
             {"x", "firmware updates"});
    EXPECT_NE(std::string(e.what()).find("unknown device"), std::string::npos);
}

TEST(DescribeFailure, ServerFailuresAndOddAnswers) {
    auto e =
        fail(503, R"({"error":{"code":"store_unavailable","message":"the store cannot write"}})");
    EXPECT_EQ(e.code(), ExitCode::server_error);
    EXPECT_STREQ(e.what(), "the server failed: the store cannot write (HTTP 503)");
    e = describe_failure(500, boost::json::value(nullptr), {});
    EXPECT_EQ(e.code(), ExitCode::server_error);
    EXPECT_STREQ(e.what(), "the server failed (HTTP 500)");
}

}  // namespace
}  // namespace ptalk::cli
