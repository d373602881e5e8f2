#include "cli/views.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "cli/table.hpp"

namespace ptalk::cli {
namespace {

namespace json = boost::json;

TEST(Table, AlignsColumnsByCodePoints) {
    Table t({"ID", "NAME"});
    t.add({"1", "Küche"});
    t.add({"22", "Living Room"});
    EXPECT_EQ(t.render(), "ID  NAME\n1   Küche\n22  Living Room\n");
    EXPECT_EQ(display_width("Küche"), 5u);
}

TEST(Format, AgesAndUptimes) {
    EXPECT_EQ(format_age(100'000, 95'000), "5s ago");
    EXPECT_EQ(format_age(1'000'000, 820'000), "3m ago");
    EXPECT_EQ(format_age(10'000'000, 2'000'000), "2h ago");
    EXPECT_EQ(format_age(500'000'000, 300'000'000), "2d ago");
    EXPECT_EQ(format_age(5, 0), "-");
    EXPECT_EQ(format_uptime(42), "42s");
    EXPECT_EQ(format_uptime(130), "2m 10s");
    EXPECT_EQ(format_uptime(3 * 3600 + 4 * 60), "3h 4m");
    EXPECT_EQ(format_uptime(2 * 86400 + 5 * 3600), "2d 5h");
}

TEST(Views, DeviceTableShowsOnlineAndMissingValues) {
    const auto devices = json::parse(
        R"([{"device_id":"24a160000000","device_name":"Kitchen","online":true,"firmware_version":"1.0.5",)"
        R"("volume":75,"brightness":80,"battery_percent":93,"last_seen_ms":1000},)"
        R"({"device_id":"24a160000001","device_name":null,"online":false,"firmware_version":null,)"
        R"("volume":null,"brightness":null,"battery_percent":null,"last_seen_ms":1000}])");
    const auto text = device_table(devices.as_array(), 61'000).render();
    EXPECT_NE(text.find("24a160000000  Kitchen  online"), std::string::npos) << text;
    EXPECT_NE(text.find("93%"), std::string::npos);
    EXPECT_NE(text.find("24a160000001  -        offline  -"), std::string::npos) << text;
    EXPECT_NE(text.find("1m ago"), std::string::npos);
}

TEST(Views, OutcomeAndStatusText) {
    EXPECT_EQ(outcome_text(json::parse(R"({"outcome":"ok","latency_ms":3.25})")), "ok (3.2 ms)");
    EXPECT_EQ(outcome_text(json::parse(R"({"outcome":"ok","latency_ms":null})")), "ok");
    EXPECT_EQ(status_text(json::parse(
                  R"({"status":"ok","device_name":"Kitchen","volume":75,"brightness":80,)"
                  R"("battery_percent":93,"firmware_version":"1.0.5","uptime_sec":130,)"
                  R"("connectivity_state":"connected"})")),
              "name 'Kitchen', volume 75, brightness 80, battery 93%, firmware 1.0.5, up 2m 10s, "
              "connected");
    EXPECT_EQ(status_text(json::parse("{}")), "-");
}

TEST(Views, HistoryTableShowsParamsAndState) {
    const auto cmds =
        json::parse(R"([{"id":7,"cmd":"set_volume","params":{"volume":75},"requested_by":"api",)"
                    R"("state":"finished","outcome":"ok","queued_at_ms":1000,"latency_ms":2.5},)"
                    R"({"id":6,"cmd":"reboot","params":{},"requested_by":"api","state":"sent",)"
                    R"("outcome":null,"queued_at_ms":1000,"latency_ms":null}])");
    const auto text = history_table(cmds.as_array(), 3000).render();
    EXPECT_NE(text.find("set_volume  volume=75"), std::string::npos) << text;
    EXPECT_NE(text.find("ok       2.5 ms"), std::string::npos) << text;
    EXPECT_NE(text.find("sent"), std::string::npos) << text;
}

TEST(Views, DetailsOfADevice) {
    const auto d = json::parse(
        R"({"device_id":"24a160000000","mac":"24:A1:60:00:00:00","device_name":"Kitchen",)"
        R"("online":false,"last_seen_ms":1000,"uptime_sec":65,"battery_percent":50,"queue_length":0})");
    const auto text = device_details(d, 11'000);
    EXPECT_NE(text.find("online           no (last seen 10s ago)"), std::string::npos) << text;
    EXPECT_NE(text.find("uptime           1m 5s"), std::string::npos) << text;
    EXPECT_NE(text.find("battery          50%"), std::string::npos) << text;
}

}  // namespace
}  // namespace ptalk::cli
