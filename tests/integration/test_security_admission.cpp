// Device admission (docs/SECURITY.md): which devices may connect in each mode,
// and device-id hijack attempts. A refused device is counted, its TCP
// connection dropped, and the registry is left as it was.
#include <gtest/gtest.h>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

// One simulated device with the index `index` (the same index: the same id).
std::unique_ptr<sim::Fleet> device(const std::string& url, std::size_t index) {
    auto o = fast_sim(url, 1);
    o.ids.offset = index;
    return std::make_unique<sim::Fleet>(o);
}

double refused(HttpClient& http, const std::string& reason) {
    return metric(http, "ptalk_devices_refused_by_reason_total{reason=\"" + reason + "\"}");
}

bool known(HttpClient& http, const std::string& id) {
    return http.get("/api/v1/devices/" + id).status == 200;
}

TEST(Admission, OpenAdmitsAnyIdSoAnImpostorReplacesTheDevice) {
    // What `open` does not protect against: anyone who knows a MAC address.
    PtalkdProcess server({"--log-level", "warn"});
    server.start();
    HttpClient http(server.port());
    auto real = device(server.ws_url(), 0);
    real->start();
    const auto id = real->ids()[0];
    ASSERT_TRUE(eventually([&] { return device_ready(http, id); }, 10s));
    auto impostor = device(server.ws_url(), 0);
    impostor->start();
    EXPECT_TRUE(eventually([&] { return metric(http, "ptalk_devices_replaced_total") >= 1; }, 10s));
    impostor->stop();
    real->stop();
}

TEST(Admission, AllowlistAdmitsOnlyRegisteredIds) {
    PtalkdProcess server({"--admission", "allowlist", "--log-level", "warn"});
    server.start();
    HttpClient http(server.port());
    auto member = device(server.ws_url(), 0);
    auto stranger = device(server.ws_url(), 7);
    const auto member_id = member->ids()[0];
    const auto stranger_id = stranger->ids()[0];
    ASSERT_EQ(http.post("/api/v1/devices", R"({"id":")" + member_id + R"(","name":"Hall"})").status,
              201u);
    member->start();
    stranger->start();
    ASSERT_TRUE(eventually([&] { return device_ready(http, member_id); }, 10s)) << server.log();
    ASSERT_TRUE(eventually([&] { return refused(http, "not_allowlisted") >= 2; }, 10s));
    EXPECT_FALSE(known(http, stranger_id)) << "a refused device got a registry row";
    const auto list = http.get("/api/v1/allowlist");
    EXPECT_EQ(field(list, "mode"), "allowlist");
    EXPECT_NE(list.body.find(member_id), std::string::npos);
    // Registering it lets it in at its next reconnect; taking it off keeps it out again.
    ASSERT_EQ(http.post("/api/v1/devices", R"({"id":")" + stranger_id + "\"}").status, 201u);
    EXPECT_TRUE(eventually([&] { return device_ready(http, stranger_id); }, 10s));
    const double refused_before = refused(http, "not_allowlisted");
    EXPECT_EQ(http.del("/api/v1/allowlist/" + stranger_id).status, 200u);
    EXPECT_EQ(http.del("/api/v1/allowlist/" + stranger_id).status, 404u);
    // Taken off the list: its live connection ends and its reconnect is refused.
    EXPECT_TRUE(eventually(
        [&] { return field(http.get("/api/v1/devices/" + stranger_id), "online") == "false"; },
        10s));
    EXPECT_TRUE(eventually([&] { return refused(http, "not_allowlisted") > refused_before; }, 10s));
    // The allowlist survives a restart.
    stranger->stop();
    member->stop();
    server.terminate();
    server.start();
    const auto again = http.get("/api/v1/allowlist");
    EXPECT_NE(again.body.find(member_id), std::string::npos);
    EXPECT_EQ(again.body.find(stranger_id), std::string::npos);
}

TEST(Admission, TokenModeBindsADeviceTokenToItsIdAndStopsHijacks) {
    const std::string fleet_token = "fleet-secret-0123456789abcdef";
    PtalkdProcess server(
        {"--admission", "token", "--fleet-token", fleet_token, "--log-level", "warn"});
    server.start();
    HttpClient http(server.port());
    const auto a_id = device(server.ws_url(), 0)->ids()[0];
    const auto b_id = device(server.ws_url(), 1)->ids()[0];
    auto issued = http.post("/api/v1/devices/" + a_id + "/token");
    ASSERT_EQ(issued.status, 201u) << issued.body;
    const auto a_token = field(issued, "token");
    const auto a_token_id = field(issued, "id");

    auto a = device(server.ws_url() + "?token=" + a_token, 0);
    a->start();
    ASSERT_TRUE(eventually([&] { return device_ready(http, a_id); }, 10s)) << server.log();
    const auto before = http.get("/api/v1/devices/" + a_id);

    // Hijack attempts with A's id: no token, a made-up token, B's... none gets in.
    auto no_token = device(server.ws_url(), 0);
    no_token->start();
    EXPECT_TRUE(eventually([&] { return refused(http, "missing_token") >= 1; }, 10s));
    no_token->stop();
    auto forged = device(server.ws_url() + "?token=ptk_forged00000000000000000000", 0);
    forged->start();
    EXPECT_TRUE(eventually([&] { return refused(http, "bad_token") >= 1; }, 10s));
    forged->stop();
    // A's token used by another id.
    auto thief = device(server.ws_url() + "?token=" + a_token, 1);
    thief->start();
    EXPECT_TRUE(eventually([&] { return refused(http, "wrong_device") >= 1; }, 10s));
    thief->stop();
    EXPECT_FALSE(known(http, b_id));
    EXPECT_EQ(metric(http, "ptalk_devices_replaced_total"), 0);
    const auto after = http.get("/api/v1/devices/" + a_id);
    EXPECT_EQ(field(after, "online"), "true");
    EXPECT_EQ(field(after, "remote_addr"), field(before, "remote_addr"));
    EXPECT_EQ(http.post("/api/v1/devices/" + a_id + "/status").status, 200u);

    // The fleet token admits any id.
    auto b = device(server.ws_url() + "?token=" + fleet_token, 1);
    b->start();
    EXPECT_TRUE(eventually([&] { return device_ready(http, b_id); }, 10s));
    b->stop();

    // Revoking A's device token cuts A's live connection at once (TCP only, so
    // the device comes back), and its reconnects with that token are refused.
    const double bad_before = refused(http, "bad_token");
    ASSERT_EQ(http.del("/api/v1/tokens/" + a_token_id).status, 200u);
    ASSERT_TRUE(eventually(
        [&] { return field(http.get("/api/v1/devices/" + a_id), "online") == "false"; }, 10s));
    EXPECT_TRUE(eventually([&] { return refused(http, "bad_token") > bad_before; }, 10s))
        << "the device reconnected and was asked again";
    EXPECT_EQ(field(http.get("/api/v1/devices/" + a_id), "online"), "false");
    EXPECT_EQ(a->stats()[sim::Counter::stranded], 0) << "no close frame was sent";
    a->stop();
}

}  // namespace
}  // namespace ptalk::test
