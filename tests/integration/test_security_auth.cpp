// API authentication (docs/SECURITY.md): 401 without a valid token, 403 with a
// scope too low, the bootstrap admin token file, `--auth none` only on loopback,
// and the JSON body limits.
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

using boost::beast::http::verb;

std::string make_token(HttpClient& admin, const std::string& scope) {
    auto r =
        admin.post("/api/v1/tokens", R"({"name":"t-)" + scope + R"(","scope":")" + scope + "\"}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return field(r, "token");
}

class Auth : public ::testing::Test {
  protected:
    void SetUp() override { server_.start(); }
    void TearDown() override {
        if (HasFailure()) std::cerr << server_.log();
    }
    PtalkdProcess server_{{"--log-level", "warn"}};
};

TEST_F(Auth, NoTokenIs401WithABearerChallengeAndHealthzStaysOpen) {
    HttpClient anon(server_.port(), "");
    EXPECT_EQ(anon.get("/healthz").status, 200u);
    EXPECT_EQ(anon.get("/metrics").status, 200u);  // open by default
    EXPECT_EQ(anon.get("/api/v1/openapi.json").status, 200u);
    for (const auto* path :
         {"/api/v1/devices", "/api/v1/devices/aabbccddeeff", "/api/v1/commands/1", "/api/v1/tokens",
          "/api/v1/events", "/api/v1/webhooks", "/api/v1/anything-new"}) {
        EXPECT_EQ(anon.get(path).status, 401u) << path;
    }
    // The seed guide's endpoint is protected like the rest.
    EXPECT_EQ(anon.post("/api/device/aabbccddeeff/config?volume=5").status, 401u);
    const auto raw =
        raw_exchange(server_.port(),
                     "GET /api/v1/devices HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 500);
    EXPECT_NE(raw.find("401 Unauthorized"), std::string::npos) << raw;
    EXPECT_NE(raw.find("WWW-Authenticate: Bearer realm=\"ptalk\""), std::string::npos) << raw;
    // A wrong token, a wrong scheme, a percent-encoded path: all 401.
    HttpClient wrong(server_.port(), "ptk_0000000000000000000000000000000000000000000000000000");
    EXPECT_EQ(wrong.get("/api/v1/devices").status, 401u);
    EXPECT_NE(
        raw_exchange(
            server_.port(),
            "GET /api/v1/devices HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic "
            "YWRtaW46YWRtaW4=\r\n\r\n",
            500)
            .find("401"),
        std::string::npos);
    EXPECT_EQ(anon.get("/api/v1/%74okens").status, 401u);
    HttpClient admin(server_.port());
    EXPECT_GE(metric(admin, "ptalk_auth_failures_total{reason=\"missing\"}"), 10);
    EXPECT_GE(metric(admin, "ptalk_auth_failures_total{reason=\"invalid\"}"), 2);
}

TEST_F(Auth, EachScopeGetsWhatItIncludesAndNothingMore) {
    HttpClient admin(server_.port());
    HttpClient read(server_.port(), make_token(admin, "read"));
    HttpClient operate(server_.port(), make_token(admin, "operate"));
    const std::string dev = "/api/v1/devices/aabbccddeeff";
    // read: every GET, no change.
    EXPECT_EQ(read.get("/api/v1/devices").status, 200u);
    EXPECT_EQ(read.get(dev).status, 404u);  // allowed, and unknown
    EXPECT_EQ(read.post(dev + "/reboot").status, 403u);
    EXPECT_EQ(read.patch(dev + "/config", R"({"volume":3})").status, 403u);
    EXPECT_EQ(read.post("/api/device/aabbccddeeff/config?volume=5").status, 403u);
    EXPECT_EQ(read.get("/api/v1/tokens").status, 403u);
    // operate: commands, not tokens or registration.
    EXPECT_EQ(operate.post(dev + "/reboot").status, 404u);  // allowed; no such device
    EXPECT_EQ(operate.post("/api/device/aabbccddeeff/config?volume=5").status, 404u);
    EXPECT_EQ(operate.post("/api/v1/tokens", R"({"name":"x","scope":"read"})").status, 403u);
    EXPECT_EQ(operate.post("/api/v1/devices", R"({"id":"aabbccddeeff"})").status, 403u);
    EXPECT_EQ(operate.post(dev + "/token").status, 403u);
    EXPECT_EQ(operate.request(verb::delete_, "/api/v1/firmware/1.0.0").status, 403u);
    EXPECT_EQ(operate.post("/api/v1/rollouts", "{}").status, 403u);
    // A 403 names the scope needed.
    const auto r = read.post(dev + "/reboot");
    EXPECT_EQ(field(r, "required_scope"), "operate") << r.body;
    // admin: everything.
    EXPECT_EQ(admin.get("/api/v1/tokens").status, 200u);
    EXPECT_EQ(admin.post("/api/v1/devices", R"({"id":"AA:BB:CC:DD:EE:FF","name":"x"})").status,
              201u);
    EXPECT_GE(metric(admin, "ptalk_auth_failures_total{reason=\"scope\"}"), 10);
}

TEST_F(Auth, TokensAreListedWithoutSecretsAndRevocationIsImmediate) {
    HttpClient admin(server_.port());
    auto created = admin.post("/api/v1/tokens", R"({"name":"ci","scope":"read"})");
    ASSERT_EQ(created.status, 201u);
    const auto secret = field(created, "token");
    const auto id = field(created, "id");
    EXPECT_TRUE(secret.starts_with("ptk_")) << secret;
    EXPECT_EQ(secret.size(), 68u);
    const auto list = admin.get("/api/v1/tokens");
    EXPECT_EQ(list.status, 200u);
    EXPECT_EQ(list.body.find(secret), std::string::npos) << "a listing shows a secret";
    EXPECT_EQ(list.body.find(test_admin_token()), std::string::npos);
    HttpClient ci(server_.port(), secret);
    EXPECT_EQ(ci.get("/api/v1/devices").status, 200u);
    EXPECT_EQ(admin.request(verb::delete_, "/api/v1/tokens/" + id).status, 200u);
    EXPECT_EQ(ci.get("/api/v1/devices").status, 401u);
    EXPECT_EQ(admin.request(verb::delete_, "/api/v1/tokens/" + id).status, 404u);
    // Bad requests.
    EXPECT_EQ(admin.post("/api/v1/tokens", R"({"name":"x","scope":"root"})").status, 422u);
    EXPECT_EQ(admin.post("/api/v1/tokens", R"({"name":"x","scope":"device"})").status, 422u);
    EXPECT_EQ(admin.post("/api/v1/tokens", R"({"scope":"read"})").status, 422u);
    EXPECT_EQ(admin.request(verb::delete_, "/api/v1/tokens/abc").status, 400u);
    // A device token opens no API endpoint.
    auto dt = admin.post("/api/v1/devices/aabbccddeeff/token");
    ASSERT_EQ(dt.status, 201u) << dt.body;
    EXPECT_EQ(field(dt, "scope"), "device");
    HttpClient device(server_.port(), field(dt, "token"));
    EXPECT_EQ(device.get("/api/v1/devices").status, 401u);
    // Revocation survives a restart.
    server_.terminate();
    server_.start();
    HttpClient ci2(server_.port(), secret);
    EXPECT_EQ(ci2.get("/api/v1/devices").status, 401u);
    HttpClient admin2(server_.port());
    EXPECT_EQ(admin2.get("/api/v1/tokens").status, 200u);
}

TEST(AuthBootstrap, FirstStartWritesAnOwnerOnlyAdminTokenFileThatStaysValid) {
    PtalkdProcess probe;  // only for its temporary directory
    const auto file = probe.data_dir() / "fresh" / "admin.token";
    PtalkdProcess server({"--admin-token-file", file.string()});
    server.start();
    ASSERT_TRUE(std::filesystem::exists(file)) << server.log();
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::string token;
    std::ifstream(file) >> token;
    EXPECT_TRUE(token.starts_with("ptk_"));
    EXPECT_NE(server.log().find(file.string()), std::string::npos) << server.log();
    HttpClient admin(server.port(), token);
    EXPECT_EQ(admin.get("/api/v1/tokens").status, 200u);
    // A restart keeps it and does not write a new one.
    server.terminate();
    server.start();
    std::string again;
    std::ifstream(file) >> again;
    EXPECT_EQ(again, token);
    HttpClient admin2(server.port(), token);
    EXPECT_EQ(admin2.get("/api/v1/tokens").status, 200u);
}

TEST(AuthNone, IsRefusedOffLoopbackUnlessForcedAndAllowedOnLoopback) {
    PtalkdProcess open_wide({"--listen", "0.0.0.0", "--auth", "none"});
    EXPECT_NE(open_wide.start_expecting_exit(), 0);
    EXPECT_NE(open_wide.log().find("--force-insecure"), std::string::npos) << open_wide.log();

    PtalkdProcess local({"--auth", "none"});
    local.start();
    EXPECT_NE(local.log().find("AUTHENTICATION IS OFF"), std::string::npos);
    HttpClient anon(local.port(), "");
    EXPECT_EQ(anon.get("/api/v1/devices").status, 200u);
    EXPECT_EQ(anon.post("/api/v1/tokens", R"({"name":"x","scope":"read"})").status, 201u);
}

TEST(AuthOptions, MetricsCanNeedATokenAndJsonBodiesHaveLimits) {
    PtalkdProcess server({"--metrics-auth", "--max-json-bytes", "1000", "--max-json-depth", "4"});
    server.start();
    HttpClient anon(server.port(), "");
    HttpClient admin(server.port());
    EXPECT_EQ(anon.get("/metrics").status, 401u);
    EXPECT_EQ(admin.get("/metrics").status, 200u);
    const std::string dev = "/api/v1/devices/aabbccddeeff/commands";
    const auto big = R"({"cmd":"set_volume","volume":1,"pad":")" + std::string(2000, 'x') + "\"}";
    EXPECT_EQ(admin.post(dev, big).status, 413u);
    EXPECT_EQ(admin.post(dev, R"({"a":[[[[[1]]]]]})").status, 400u);
    const auto in_string = admin.post(dev, R"({"a":"[[[[[[[[[["})");  // brackets in a string
    EXPECT_EQ(in_string.body.find("json_too_deep"), std::string::npos) << in_string.body;
    EXPECT_EQ(metric(admin, "ptalk_limit_violations_total{limit=\"json_size\"}"), 1);
    EXPECT_EQ(metric(admin, "ptalk_limit_violations_total{limit=\"json_depth\"}"), 1);
}

}  // namespace
}  // namespace ptalk::test
