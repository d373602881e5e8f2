#include "cli/device_info.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "cli/exit_code.hpp"

namespace ptalk::cli {
namespace {

std::vector<DeviceInfo> fleet() {
    return {{"24a160000000", "Kitchen", true, 100, "1.0.5"},
            {"24a160000001", "Living Room", false, 90, "1.0.5"},
            {"24a160000002", "", true, 80, "1.0.4"},
            {"24a160000003", "Twin", true, 70, "1.0.5"},
            {"24a160000004", "twin", true, 60, "1.0.5"}};
}

ExitCode code_of(std::string_view text, std::string* message = nullptr) {
    const auto devices = fleet();
    try {
        (void)resolve_device(text, devices);
    } catch (const CliError& e) {
        if (message != nullptr) *message = e.what();
        return e.code();
    }
    return ExitCode::ok;
}

TEST(DeviceFromJson, ReadsTheApiObject) {
    const auto d = device_from_json(
        boost::json::parse(R"({"device_id":"24a160000000","device_name":"Kitchen","online":true,)"
                           R"("last_handshake_ms":1234,"firmware_version":"1.0.5","volume":60})"));
    EXPECT_EQ(d.id, "24a160000000");
    EXPECT_EQ(d.name, "Kitchen");
    EXPECT_TRUE(d.online);
    EXPECT_EQ(d.last_handshake_ms, 1234);
    EXPECT_EQ(d.firmware, "1.0.5");
    const auto empty = device_from_json(boost::json::parse(R"({"device_name":null})"));
    EXPECT_EQ(empty.name, "");
    EXPECT_FALSE(empty.last_handshake_ms);
}

TEST(Label, NameThenId) {
    EXPECT_EQ(label(fleet()[0]), "Kitchen (24a160000000)");
    EXPECT_EQ(label(fleet()[2]), "24a160000002");
}

TEST(ResolveDevice, ByIdInAnyFormOrByNameInAnyCase) {
    const auto devices = fleet();
    EXPECT_EQ(resolve_device("24A160000001", devices).id, "24a160000001");
    EXPECT_EQ(resolve_device("24:a1:60:00:00:02", devices).id, "24a160000002");
    EXPECT_EQ(resolve_device("living room", devices).id, "24a160000001");
}

TEST(ResolveDevice, UnknownSuggestsNearIdsAndNames) {
    std::string msg;
    EXPECT_EQ(code_of("kitchn", &msg), ExitCode::not_found);
    EXPECT_EQ(msg, "unknown device 'kitchn'; did you mean Kitchen (24a160000000)?");
    EXPECT_EQ(code_of("24a160000009", &msg), ExitCode::not_found);
    EXPECT_EQ(msg,
              "unknown device '24a160000009'; did you mean Kitchen (24a160000000), "
              "Living Room (24a160000001) or 24a160000002?");
    EXPECT_EQ(code_of("garage", &msg), ExitCode::not_found);
    EXPECT_EQ(msg, "unknown device 'garage' (see `ptalk devices`)");
}

TEST(ResolveDevice, ASharedNameAsksForTheId) {
    std::string msg;
    EXPECT_EQ(code_of("TWIN", &msg), ExitCode::usage);
    EXPECT_NE(msg.find("24a160000003, 24a160000004"), std::string::npos) << msg;
}

TEST(CameBack, NeedsOnlineAndANewerHandshake) {
    DeviceInfo before{"id", "", true, 100, ""};
    EXPECT_FALSE(came_back(before, {"id", "", true, 100, ""}));
    EXPECT_FALSE(came_back(before, {"id", "", false, 200, ""}));
    EXPECT_TRUE(came_back(before, {"id", "", true, 200, ""}));
    EXPECT_TRUE(came_back({"id", "", false, std::nullopt, ""}, {"id", "", true, 5, ""}));
}

}  // namespace
}  // namespace ptalk::cli
