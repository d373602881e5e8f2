// ptalk devices, show, history against a real ptalkd and simulated devices.
#include <boost/json/parse.hpp>

#include "support/cli_fixture.hpp"

namespace ptalk::test {
namespace {

namespace json = boost::json;

class Devices : public CliFixture {};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(Devices, ListsEveryDeviceAsATable) {
    const auto r = ptalk({"devices"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_TRUE(has(r.out, "ID  ")) << r.out;
    for (std::size_t i = 0; i < fleet_size; ++i)
        EXPECT_TRUE(has(r.out, id(i) + "  PTalk  online ")) << r.out;
    EXPECT_TRUE(has(r.out, offline_id_ + "  PTalk  offline")) << r.out;
    EXPECT_TRUE(has(r.out, "4 of 4 devices, 3 of them online")) << r.out;
}

TEST_F(Devices, FiltersAndJson) {
    auto r = ptalk({"devices", "--offline", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto v = json::parse(r.out);
    ASSERT_EQ(v.at("devices").as_array().size(), 1u);
    EXPECT_EQ(v.at("devices").at(0).at("device_id").as_string(), offline_id_);
    r = ptalk({"--json", "devices", "--online", "--sort", "id", "--desc"});
    ASSERT_EQ(r.code, 0) << r.err;
    v = json::parse(r.out);
    ASSERT_EQ(v.at("devices").as_array().size(), fleet_size);
    EXPECT_EQ(v.at("devices").at(0).at("device_id").as_string(), id(fleet_size - 1));
    r = ptalk({"devices", "--firmware", "9.9.9"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "no devices match\n");
    r = ptalk({"devices", "--name", "ptalk", "--json"});
    EXPECT_EQ(json::parse(r.out).at("total").as_int64(), 4);
}

TEST_F(Devices, PagesWithLimitCursorAndAll) {
    auto r = ptalk({"devices", "--limit", "2", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto page = json::parse(r.out);
    ASSERT_EQ(page.at("devices").as_array().size(), 2u);
    ASSERT_TRUE(page.at("next_cursor").is_string());
    const std::string cursor(page.at("next_cursor").as_string());
    r = ptalk({"devices", "--limit", "2"});
    EXPECT_TRUE(has(r.out, "2 of 4 devices")) << r.out;
    EXPECT_TRUE(has(r.out, "more with --all, or --cursor " + cursor)) << r.out;
    r = ptalk({"devices", "--limit", "2", "--cursor", cursor, "--json"});
    EXPECT_EQ(json::parse(r.out).at("devices").as_array().size(), 2u);
    r = ptalk({"devices", "--limit", "1", "--all", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    page = json::parse(r.out);
    EXPECT_EQ(page.at("devices").as_array().size(), 4u);
    EXPECT_TRUE(page.at("next_cursor").is_null());
}

TEST_F(Devices, BadFiltersAreUsageErrors) {
    EXPECT_EQ(ptalk({"devices", "--online", "--offline"}).code, 2);
    EXPECT_EQ(ptalk({"devices", "--sort", "battery"}).code, 2);
    EXPECT_EQ(ptalk({"devices", "--limit", "0"}).code, 2);
    EXPECT_EQ(ptalk({"devices", "--limit", "5000"}).code, 2);
}

TEST_F(Devices, ShowByIdInAnyFormAndByName) {
    auto r = ptalk({"show", id(0)});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "device           " + id(0))) << r.out;
    EXPECT_TRUE(has(r.out, "online           yes")) << r.out;
    r = ptalk({"show", "24:A1:60:00:00:01", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out).at("device_id").as_string(), id(1));
    r = ptalk({"show", offline_id_});
    EXPECT_TRUE(has(r.out, "no (last seen")) << r.out;
}

TEST_F(Devices, UnknownDevicesGetADidYouMean) {
    auto r = ptalk({"show", "24a160000009"});
    EXPECT_EQ(r.code, 4);
    EXPECT_TRUE(r.out.empty());
    EXPECT_TRUE(has(r.err, "ptalk: unknown device '24a160000009'; did you mean ")) << r.err;
    EXPECT_TRUE(has(r.err, id(0))) << r.err;
    r = ptalk({"status", "24a16000000"});  // one digit short
    EXPECT_EQ(r.code, 4);
    EXPECT_TRUE(has(r.err, "did you mean")) << r.err;
    r = ptalk({"show", "garage"});
    EXPECT_EQ(r.code, 4);
    EXPECT_EQ(r.err, "ptalk: unknown device 'garage' (see `ptalk devices`)\n");
}

TEST_F(Devices, HistoryShowsTheAuditLog) {
    ASSERT_EQ(ptalk({"set", id(2), "--volume", "41"}).code, 0);
    auto r = ptalk({"history", id(2)});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "set_volume")) << r.out;
    EXPECT_TRUE(has(r.out, "volume=41  api    ok")) << r.out;
    EXPECT_TRUE(has(r.out, "request_status")) << r.out;  // the one after the handshake
    r = ptalk({"history", id(2), "--limit", "1", "--json"});
    const auto v = json::parse(r.out);
    ASSERT_EQ(v.at("commands").as_array().size(), 1u);
    EXPECT_EQ(v.at("commands").at(0).at("cmd").as_string(), "set_volume");
    const auto before = std::to_string(v.at("next_before").as_int64());
    r = ptalk({"history", id(2), "--before", before});
    EXPECT_FALSE(has(r.out, "set_volume")) << r.out;
    EXPECT_TRUE(has(r.out, "request_status")) << r.out;
}

}  // namespace
}  // namespace ptalk::test
