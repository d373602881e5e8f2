#include "live/desired.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace ptalk::live {
namespace {

namespace json = boost::json;

DesiredPatch patch(std::string_view body) {
    std::string error;
    auto p = parse_desired_patch(json::parse(body).as_object(), error);
    EXPECT_EQ(error, "") << body;
    return p;
}

std::string patch_error(std::string_view body) {
    std::string error;
    (void)parse_desired_patch(json::parse(body).as_object(), error);
    return error;
}

store::DeviceRecord reported(std::optional<int> volume, std::optional<int> brightness = {},
                             std::optional<std::string> name = {}) {
    store::DeviceRecord r;
    r.volume = volume;
    r.brightness = brightness;
    r.name = std::move(name);
    return r;
}

TEST(DesiredPatch, ValidatesEveryField) {
    EXPECT_NE(patch_error(R"({"volume":101})"), "");
    EXPECT_NE(patch_error(R"({"volume":-1})"), "");
    EXPECT_NE(patch_error(R"({"volume":"5"})"), "");
    EXPECT_NE(patch_error(R"({"brightness":2.5})"), "");
    EXPECT_NE(patch_error(R"({"device_name":""})"), "");
    EXPECT_NE(patch_error(R"({"colour":"red"})"), "");
    EXPECT_NE(patch_error(R"({})"), "");
    auto p = patch(R"({"volume":0,"brightness":null,"device_name":"Hall"})");
    EXPECT_EQ(p.volume, std::optional<std::optional<int>>(0));
    EXPECT_TRUE(p.brightness && !*p.brightness);
    EXPECT_EQ(**p.device_name, "Hall");
}

TEST(DesiredState, PatchVersionsAndOnlyRealChangesCount) {
    DesiredState d;
    EXPECT_TRUE(apply_patch(d, patch(R"({"volume":30})"), 1000, "alice"));
    EXPECT_EQ(d.record.version, 1u);
    EXPECT_EQ(d.record.updated_by, "alice");
    EXPECT_EQ(d.record.updated_at, 1000);
    EXPECT_FALSE(apply_patch(d, patch(R"({"volume":30})"), 2000, "bob"));
    EXPECT_EQ(d.record.version, 1u);
    EXPECT_TRUE(apply_patch(d, patch(R"({"volume":null})"), 3000, "bob"));
    EXPECT_FALSE(d.record.volume);
    EXPECT_EQ(d.record.version, 2u);
}

TEST(DesiredState, OnlyDifferingUnconfirmedFieldsAreSent) {
    DesiredState d;
    apply_patch(d, patch(R"({"volume":30,"brightness":100,"device_name":"Hall"})"), 1, "a");
    auto cmds = pending_commands(d, reported(60, 100, "PTalk"), {});
    ASSERT_EQ(cmds.size(), 2u);  // brightness already right
    EXPECT_EQ(cmds[0].setting, Setting::volume);
    EXPECT_EQ(cmds[0].command.params.at("volume").as_int64(), 30);
    EXPECT_EQ(cmds[1].setting, Setting::device_name);
    // In flight: not sent twice.
    EXPECT_EQ(pending_commands(d, reported(60, 100, "PTalk"), {Setting::volume}).size(), 1u);
    // Unknown reported value counts as different.
    EXPECT_EQ(pending_commands(d, reported({}, 100, "Hall"), {}).size(), 1u);
}

TEST(DesiredState, PendingIsNotDriftConfirmedThenChangedIs) {
    DesiredState d;
    apply_patch(d, patch(R"({"volume":30})"), 1, "a");
    // Before the device confirmed 30, a report of 60 is just "not applied yet".
    auto o = observe(d, reported(60), DriftPolicy::enforce, 2);
    EXPECT_TRUE(o.drifted.empty());
    o = observe(d, reported(30), DriftPolicy::enforce, 3);  // the set's reply
    EXPECT_TRUE(o.drifted.empty());
    EXPECT_TRUE(pending_commands(d, reported(30), {}).empty());
    // The user turns it to 80 over BLE: drift; enforce sends 30 again.
    o = observe(d, reported(80), DriftPolicy::enforce, 4);
    ASSERT_EQ(o.drifted.size(), 1u);
    EXPECT_FALSE(o.desired_changed);
    auto cmds = pending_commands(d, reported(80), {});
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].command.params.at("volume").as_int64(), 30);
}

TEST(DesiredState, AdoptMakesDesiredFollowTheDevice) {
    DesiredState d;
    apply_patch(d, patch(R"({"volume":30,"brightness":50})"), 1, "a");
    observe(d, reported(30, 50), DriftPolicy::adopt, 2);
    auto o = observe(d, reported(80), DriftPolicy::adopt, 3);  // brightness absent: unknown
    ASSERT_EQ(o.drifted.size(), 1u);
    EXPECT_TRUE(o.desired_changed);
    EXPECT_EQ(d.record.volume, 80);
    EXPECT_EQ(d.record.brightness, 50);
    EXPECT_EQ(d.record.version, 2u);
    EXPECT_EQ(d.record.updated_by, "drift:adopt");
    EXPECT_TRUE(pending_commands(d, reported(80, 50), {}).empty());
}

TEST(DesiredState, SyncJsonPerField) {
    DesiredState d;
    apply_patch(d, patch(R"({"volume":30,"device_name":"Hall"})"), 1, "a");
    auto s = sync_json(d, reported(30, 10, "PTalk"));
    EXPECT_TRUE(s.at("volume").at("in_sync").as_bool());
    EXPECT_FALSE(s.at("device_name").at("in_sync").as_bool());
    EXPECT_EQ(s.at("device_name").at("reported").as_string(), "PTalk");
    EXPECT_FALSE(s.contains("brightness"));  // not managed
}

}  // namespace
}  // namespace ptalk::live
