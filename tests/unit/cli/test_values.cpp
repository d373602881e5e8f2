#include "cli/values.hpp"

#include <gtest/gtest.h>

#include "cli/exit_code.hpp"

namespace ptalk::cli {
namespace {

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const CliError& e) {
        EXPECT_EQ(e.code(), ExitCode::usage);
        return e.what();
    }
    return "no error";
}

TEST(Values, PercentInRangeOrTheRangeIsSaid) {
    EXPECT_EQ(parse_percent("volume", "0"), 0);
    EXPECT_EQ(parse_percent("volume", "100"), 100);
    EXPECT_EQ(message_of([] { check_percent("volume", 300); }),
              "volume 300 is out of range: allowed 0-100");
    EXPECT_EQ(message_of([] { (void)parse_percent("brightness", "-1"); }),
              "brightness -1 is out of range: allowed 0-100");
    EXPECT_EQ(message_of([] { (void)parse_percent("volume", "99999999999999999999"); }),
              "volume 99999999999999999999 is out of range: allowed 0-100");
    EXPECT_EQ(message_of([] { (void)parse_percent("volume", "loud"); }),
              "volume must be a whole number from 0 to 100, not 'loud'");
    EXPECT_EQ(message_of([] { (void)parse_percent("volume", "5.5"); }),
              "volume must be a whole number from 0 to 100, not '5.5'");
}

TEST(Values, DeviceNames) {
    check_device_name("Living Room");
    check_device_name("Küche");
    EXPECT_NE(message_of([] { check_device_name(""); }).find("1-64 bytes"), std::string::npos);
    EXPECT_NE(message_of([] { check_device_name(std::string(65, 'x')); }).find("got 65 bytes"),
              std::string::npos);
    EXPECT_NE(message_of([] { check_device_name("a\tb"); }), "no error");
}

}  // namespace
}  // namespace ptalk::cli
