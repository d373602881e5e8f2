// Staged rollouts over real sockets: a failure threshold that pauses, pause /
// resume / cancel by hand, and a kill -9 of ptalkd in the middle after which
// the rollout carries on and completes.
#include <gtest/gtest.h>

#include "ota_support.hpp"

namespace ptalk::test {
namespace {

constexpr std::size_t KiB = 1024;

std::int64_t count(const HttpResult& r, std::string_view state) {
    if (r.status != 200) return -1;
    const auto* c = r.json.at("counts").as_object().if_contains(state);
    return c ? c->to_number<std::int64_t>() : 0;
}

struct Fleet {
    Fleet(std::size_t n, std::vector<std::string> flags,
          const std::function<void(sim::FleetOptions&)>& tweak = {})
        : server(std::move(flags)) {
        server.start();
        http = std::make_unique<HttpClient>(server.port());
        auto up = upload_firmware(*http, "2.0.0", 64 * KiB);
        EXPECT_EQ(up.status, 201u) << up.body;
        auto opt = fast_sim(server.ws_url(), n);
        opt.firmware_version = "1.0.0";
        opt.seed = 42;
        if (tweak) tweak(opt);
        sim = std::make_unique<sim::Fleet>(opt);
        sim->start();
        EXPECT_TRUE(eventually([&] { return online(*http) == static_cast<std::int64_t>(n); }, 30s));
        std::this_thread::sleep_for(500ms);  // the post-handshake statuses
    }
    ~Fleet() {
        sim->stop();
        if (server.running()) server.terminate();
    }
    HttpResult create(const std::string& body) { return http->post("/api/v1/rollouts", body); }
    HttpResult get(std::int64_t id) { return http->get("/api/v1/rollouts/" + std::to_string(id)); }
    std::string state(std::int64_t id) { return field(get(id), "state"); }

    PtalkdProcess server;
    std::unique_ptr<HttpClient> http;
    std::unique_ptr<sim::Fleet> sim;
};

TEST(Rollouts, TenPercentFaultyDevicesTripAFivePercentThreshold) {
    Fleet f(200, {}, [](sim::FleetOptions& o) { o.ota_faulty = 0.10; });
    auto r = f.create(R"({"version":"2.0.0","target":"all","batch_percent":20,
        "max_concurrent":40,"failure_threshold_percent":5})");
    ASSERT_EQ(r.status, 201u) << r.body;
    const auto id = r.json.at("id").as_int64();
    EXPECT_EQ(field(r, "batch_size"), "40");
    ASSERT_TRUE(eventually([&] { return f.state(id) == "paused"; }, 120s)) << f.get(id).body;
    auto v = f.get(id);
    EXPECT_NE(field(v, "reason").find("failure threshold"), std::string::npos) << v.body;
    EXPECT_GT(count(v, "failed"), 0);
    EXPECT_LT(count(v, "succeeded") + count(v, "failed"), 200) << "stopped before the end";
    // Nothing new starts while paused.
    std::this_thread::sleep_for(2s);
    const auto started = 200 - count(f.get(id), "waiting");
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(200 - count(f.get(id), "waiting"), started);
    // One row per device, with its state.
    EXPECT_EQ(v.json.at("devices").as_array().size(), 200u);
}

TEST(Rollouts, PauseResumeCancel) {
    Fleet f(12, {}, [](sim::FleetOptions& o) { o.model.ack_latency = 20ms; });
    auto r = f.create(R"({"version":"2.0.0","target":"all","batch_size":4,
        "max_concurrent":2,"failure_threshold_percent":50})");
    ASSERT_EQ(r.status, 201u) << r.body;
    const auto id = r.json.at("id").as_int64();
    const std::string base = "/api/v1/rollouts/" + std::to_string(id);
    ASSERT_EQ(f.http->post(base + "/pause").status, 200u);
    EXPECT_EQ(f.state(id), "paused");
    EXPECT_EQ(f.http->post(base + "/pause").status, 409u) << "already paused";
    ASSERT_EQ(f.http->post(base + "/resume").status, 200u);
    ASSERT_TRUE(eventually([&] { return count(f.get(id), "succeeded") >= 2; }, 60s))
        << f.get(id).body;
    ASSERT_EQ(f.http->post(base + "/cancel").status, 200u);
    EXPECT_EQ(f.state(id), "cancelled");
    EXPECT_EQ(f.http->post(base + "/resume").status, 409u);
    // Running transfers finish; nothing new starts.
    std::this_thread::sleep_for(3s);
    auto v = f.get(id);
    EXPECT_GT(count(v, "cancelled"), 0) << v.body;
    EXPECT_LT(count(v, "succeeded"), 12) << v.body;
    EXPECT_EQ(f.http->get("/api/v1/rollouts").json.at("rollouts").as_array().size(), 1u);
}

TEST(Rollouts, BadRequestsAreClearErrors) {
    Fleet f(2, {});
    EXPECT_EQ(f.create(R"({"target":"all"})").status, 400u);
    EXPECT_EQ(f.create(R"({"version":"2.0.0"})").status, 400u);
    EXPECT_EQ(f.create(R"({"version":"9.9.9","target":"all"})").status, 404u);
    EXPECT_EQ(f.create(R"({"version":"2.0.0","target":["nothex"]})").status, 422u);
    EXPECT_EQ(f.create(R"({"version":"2.0.0","target":{"colour":"red"}})").status, 422u);
    EXPECT_EQ(f.create(R"({"version":"2.0.0","target":"all","batch_size":0})").status, 400u);
    EXPECT_EQ(f.create(R"({"version":"2.0.0","target":{"firmware_version":"7.7.7"}})").status, 422u)
        << "matches nothing";
    EXPECT_EQ(f.http->get("/api/v1/rollouts/77").status, 404u);
    EXPECT_EQ(f.http->post("/api/v1/rollouts/77/pause").status, 404u);
    EXPECT_EQ(f.http->post("/api/v1/rollouts/abc/pause").status, 404u);
}

TEST(Rollouts, SurvivesKill9AndCompletes) {
    Fleet f(20, {}, [](sim::FleetOptions& o) { o.model.ack_latency = 30ms; });
    auto r = f.create(R"({"version":"2.0.0","target":"all","batch_size":5,
        "max_concurrent":5,"failure_threshold_percent":50})");
    ASSERT_EQ(r.status, 201u) << r.body;
    const auto id = r.json.at("id").as_int64();
    ASSERT_TRUE(eventually([&] { return count(f.get(id), "succeeded") >= 3; }, 60s))
        << f.get(id).body;
    f.server.kill9();
    f.server.start();
    f.http = std::make_unique<HttpClient>(f.server.port());
    ASSERT_TRUE(eventually([&] { return f.state(id) == "completed"; }, 120s)) << f.get(id).body;
    auto v = f.get(id);
    EXPECT_EQ(count(v, "succeeded"), 20) << v.body;
    for (const auto& d : f.sim->ids())
        EXPECT_EQ(f.sim->device(d)->settings.firmware_version, "2.0.0") << d;
}

TEST(Rollouts, DevicesAlreadyOnTheVersionAreSkipped) {
    Fleet f(4, {});
    const auto& ids = f.sim->ids();
    ASSERT_EQ(f.http->post("/api/v1/devices/" + ids[0] + "/ota", R"({"version":"2.0.0"})").status,
              202u);
    ASSERT_EQ(wait_ota_final(*f.http, ids[0], 60s), "succeeded");
    auto r = f.create(R"({"version":"2.0.0","target":"all","batch_size":1,"max_concurrent":1})");
    ASSERT_EQ(r.status, 201u) << r.body;
    const auto id = r.json.at("id").as_int64();
    EXPECT_EQ(count(f.get(id), "skipped"), 1);
    ASSERT_TRUE(eventually([&] { return f.state(id) == "completed"; }, 120s)) << f.get(id).body;
    EXPECT_EQ(count(f.get(id), "succeeded"), 3);
}

}  // namespace
}  // namespace ptalk::test
