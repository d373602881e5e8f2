#include "cli/console/parse.hpp"

#include <gtest/gtest.h>

namespace ptalk::cli::console {
namespace {

template <class T>
const T& as(const ParsedLine& p) {
    const auto* v = std::get_if<T>(&p.action);
    if (v == nullptr) throw std::runtime_error("unexpected action kind");
    return *v;
}

std::string mistake(std::string_view line) {
    return as<Mistake>(parse_line(line)).message;
}

TEST(ConsoleParse, TheFirmwareTeamsCommands) {
    EXPECT_EQ(as<DeviceOp>(parse_line("vol 75")), (DeviceOp{Op::set_volume, 75, {}}));
    EXPECT_EQ(as<DeviceOp>(parse_line("  bright 80 ")), (DeviceOp{Op::set_brightness, 80, {}}));
    EXPECT_EQ(as<DeviceOp>(parse_line("name Living Room")),
              (DeviceOp{Op::set_name, 0, "Living Room"}));
    EXPECT_EQ(as<DeviceOp>(parse_line("status")).op, Op::status);
    EXPECT_EQ(as<DeviceOp>(parse_line("reboot")).op, Op::reboot);
    EXPECT_EQ(as<DeviceOp>(parse_line("ble")).op, Op::ble);
    EXPECT_EQ(as<DeviceOp>(parse_line("ota 1.0.6")), (DeviceOp{Op::ota, 0, "1.0.6"}));
    EXPECT_TRUE(std::holds_alternative<Help>(parse_line("help").action));
    EXPECT_TRUE(std::holds_alternative<Quit>(parse_line("quit").action));
    EXPECT_TRUE(std::holds_alternative<Quit>(parse_line("exit").action));
    EXPECT_TRUE(std::holds_alternative<Nothing>(parse_line("   ").action));
}

TEST(ConsoleParse, WifiAndWsurlAreRefusedWithTheReason) {
    const auto wifi = as<Refusal>(parse_line("wifi home secret")).reason;
    EXPECT_NE(wifi.find("BLE"), std::string::npos);
    EXPECT_NE(wifi.find("Nothing was sent"), std::string::npos);
    EXPECT_EQ(wifi.find("secret"), std::string::npos);  // the password is not echoed
    EXPECT_NE(as<Refusal>(parse_line("wsurl ws://x/ws")).reason.find("reserved"),
              std::string::npos);
}

TEST(ConsoleParse, FleetCommands) {
    EXPECT_TRUE(std::holds_alternative<ListDevices>(parse_line("devices").action));
    EXPECT_EQ(as<Use>(parse_line("use Living Room")).device, "Living Room");
    const auto all = parse_line("all vol 50");
    EXPECT_TRUE(all.all);
    EXPECT_EQ(as<DeviceOp>(all), (DeviceOp{Op::set_volume, 50, {}}));
    EXPECT_TRUE(parse_line("all reboot").all);
}

TEST(ConsoleParse, BadValuesSayTheRange) {
    EXPECT_EQ(mistake("vol 300"), "volume 300 is out of range: allowed 0-100");
    EXPECT_EQ(mistake("bright -5"), "brightness -5 is out of range: allowed 0-100");
    EXPECT_EQ(mistake("vol loud"), "volume must be a whole number from 0 to 100, not 'loud'");
    EXPECT_EQ(mistake("vol"), "usage: vol 0-100");
    EXPECT_EQ(mistake("name"), "usage: name TEXT (1-64 bytes)");
    EXPECT_NE(mistake("name " + std::string(70, 'x')).find("1-64 bytes"), std::string::npos);
    EXPECT_EQ(mistake("use"), "usage: use ID|NAME");
    EXPECT_EQ(mistake("status now"), "status takes no argument");
    EXPECT_EQ(mistake("ota"), "usage: ota VERSION (e.g. ota 1.0.6)");
}

TEST(ConsoleParse, TyposGetADidYouMean) {
    EXPECT_EQ(mistake("stauts"),
              "unknown command 'stauts'; did you mean status? (help lists them)");
    EXPECT_EQ(mistake("xyzzy"), "unknown command 'xyzzy' (help lists them)");
}

TEST(ConsoleParse, AllOnlyBeforeDeviceCommands) {
    EXPECT_NE(mistake("all").find("all what?"), std::string::npos);
    EXPECT_NE(mistake("all devices").find("goes before a device command"), std::string::npos);
    EXPECT_NE(mistake("all use x").find("goes before a device command"), std::string::npos);
    EXPECT_NE(mistake("all show").find("goes before a device command"), std::string::npos);
    EXPECT_EQ(mistake("all vol 101"), "volume 101 is out of range: allowed 0-100");
    EXPECT_TRUE(std::holds_alternative<Refusal>(parse_line("all wifi a b").action));
}

TEST(ConsoleParse, HelpMentionsEveryCommandWord) {
    const auto help = help_text();
    for (const auto& w : command_words())
        EXPECT_NE(help.find("  " + w), std::string::npos) << w;
}

}  // namespace
}  // namespace ptalk::cli::console
