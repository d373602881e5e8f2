// Issue 6 end to end: desired state that reaches devices that were away, drift
// under both policies, queued commands (delivered after reconnect, expired,
// surviving a restart), a fleet job over 2 000 devices with 5% that never
// answer, and an event stream that a reconnecting client reads without a gap.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include "support/fixture.hpp"
#include "support/sse_client.hpp"
#include "support/webhook_receiver.hpp"

namespace ptalk::test {
namespace {

namespace json = boost::json;

// Commands of one device in the audit log, oldest first, as (cmd, requested_by, state, outcome).
struct Row {
    std::string cmd, by, state, outcome;
    std::uint64_t id = 0;
};
std::vector<Row> history(HttpClient& http, const std::string& id) {
    auto r = http.get("/api/v1/devices/" + id + "/commands?limit=1000");
    std::vector<Row> rows;
    if (r.status != 200) return rows;
    for (const auto& v : r.json.at("commands").as_array()) {
        const auto& o = v.as_object();
        Row row;
        row.cmd = std::string(o.at("cmd").as_string());
        row.by = std::string(o.at("requested_by").as_string());
        row.state = std::string(o.at("state").as_string());
        row.outcome = o.at("outcome").is_string() ? std::string(o.at("outcome").as_string()) : "";
        row.id = o.at("id").to_number<std::uint64_t>();
        rows.insert(rows.begin(), row);
    }
    return rows;
}

std::size_t count_cmd(const std::vector<Row>& rows, std::string_view cmd) {
    return static_cast<std::size_t>(
        std::count_if(rows.begin(), rows.end(), [&](const Row& r) { return r.cmd == cmd; }));
}

std::int64_t desired_volume(HttpClient& http, const std::string& id) {
    auto r = http.get("/api/v1/devices/" + id);
    if (r.status != 200 || !r.json.at("desired").is_object()) return -1;
    const auto& v = r.json.at("desired").at("volume");
    return v.is_int64() ? v.as_int64() : -1;
}

class Live : public ::testing::Test {
  protected:
    void start(std::vector<std::string> args = {}) {
        if (std::find(args.begin(), args.end(), "--command-timeout-ms") == args.end())
            args.insert(args.end(), {"--command-timeout-ms", "3000"});
        server_ = std::make_unique<PtalkdProcess>(args);
        server_->start();
        http_ = std::make_unique<HttpClient>(server_->port());
    }
    std::unique_ptr<sim::Fleet> devices(std::size_t n) {
        auto f = std::make_unique<sim::Fleet>(fast_sim(server_->ws_url(), n));
        return f;
    }
    void TearDown() override {
        if (HasFailure() && server_) std::cerr << "---- ptalkd log ----\n" << server_->log();
    }
    std::unique_ptr<PtalkdProcess> server_;
    std::unique_ptr<HttpClient> http_;
};

TEST_F(Live, DesiredSetWhileOfflineIsAppliedExactlyOnceOnReconnect) {
    start();
    auto fleet = devices(1);
    const auto id = fleet->ids()[0];
    fleet->start();
    ASSERT_TRUE(eventually([&] { return device_ready(*http_, id); }, 10s));
    fleet->stop();  // the device goes away
    ASSERT_TRUE(eventually(
        [&] { return field(http_->get("/api/v1/devices/" + id), "online") == "false"; }, 10s));

    auto r = http_->patch("/api/v1/devices/" + id + "/desired", R"({"volume":35,"brightness":70})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json.at("desired").at("version").as_int64(), 1);
    EXPECT_FALSE(r.json.at("sync").at("volume").at("in_sync").as_bool());
    EXPECT_EQ(count_cmd(history(*http_, id), "set_volume"), 0u);  // nothing sent while away

    auto back = devices(1);  // the same device id returns (default settings: 60/100)
    back->start();
    ASSERT_TRUE(eventually(
        [&] {
            auto d = back->device(id);
            return d && d->settings.volume == 35 && d->settings.brightness == 70;
        },
        10s));
    ASSERT_TRUE(eventually(
        [&] {
            auto d = http_->get("/api/v1/devices/" + id);
            return field(d, "in_sync") == "true";
        },
        5s));
    std::this_thread::sleep_for(1500ms);  // anything extra would have been sent by now
    const auto rows = history(*http_, id);
    EXPECT_EQ(count_cmd(rows, "set_volume"), 1u);
    EXPECT_EQ(count_cmd(rows, "set_brightness"), 1u);
    // ...and after the handshake's request_status, never before it.
    std::size_t last_status = 0, first_set = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].cmd == "request_status" && first_set == 0) last_status = i;
        if (rows[i].cmd == "set_volume" && first_set == 0) first_set = i;
    }
    EXPECT_LT(last_status, first_set);
    for (const auto& row : rows) {
        if (row.cmd == "set_volume") {
            EXPECT_EQ(row.by, "desired");
        }
    }

    // A pre-provisioned id (never seen) keeps its desired state for later.
    auto pre = http_->patch("/api/v1/devices/0000000000aa/desired", R"({"device_name":"Hall"})");
    ASSERT_EQ(pre.status, 200u) << pre.body;
    EXPECT_EQ(field(pre, "known"), "false");
    back->stop();
    server_->terminate();
}

TEST_F(Live, DriftIsReappliedUnderEnforce) {
    start({"--drift-policy", "enforce"});
    auto fleet = devices(1);
    const auto id = fleet->ids()[0];
    fleet->start();
    ASSERT_TRUE(eventually([&] { return device_ready(*http_, id); }, 10s));
    ASSERT_EQ(http_->patch("/api/v1/devices/" + id + "/desired", R"({"volume":30})").status, 200u);
    ASSERT_TRUE(eventually([&] { return fleet->device(id)->settings.volume == 30; }, 5s));
    ASSERT_TRUE(eventually(
        [&] { return field(http_->get("/api/v1/devices/" + id), "in_sync") == "true"; }, 5s));

    SseClient events(server_->port(), "/api/v1/events?type=drift.&device=" + id);
    ASSERT_EQ(events.status(), 200u);
    fleet->change_settings(id, [](sim::DeviceSettings& s) { s.volume = 80; });  // over BLE
    ASSERT_EQ(http_->post("/api/v1/devices/" + id + "/status").status, 200u);
    auto e = events.next(5s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, "drift.detected");
    EXPECT_NE(e->data.find(R"("policy":"enforce")"), std::string::npos) << e->data;
    EXPECT_TRUE(eventually([&] { return fleet->device(id)->settings.volume == 30; }, 5s));
    EXPECT_EQ(desired_volume(*http_, id), 30);
    fleet->stop();
    server_->terminate();
}

TEST_F(Live, DriftIsAdoptedUnderAdopt) {
    start({"--drift-policy", "adopt"});
    auto fleet = devices(1);
    const auto id = fleet->ids()[0];
    fleet->start();
    ASSERT_TRUE(eventually([&] { return device_ready(*http_, id); }, 10s));
    ASSERT_EQ(http_->patch("/api/v1/devices/" + id + "/desired", R"({"volume":30})").status, 200u);
    ASSERT_TRUE(eventually(
        [&] { return field(http_->get("/api/v1/devices/" + id), "in_sync") == "true"; }, 5s));
    fleet->change_settings(id, [](sim::DeviceSettings& s) { s.volume = 80; });
    ASSERT_EQ(http_->post("/api/v1/devices/" + id + "/status").status, 200u);
    EXPECT_TRUE(eventually([&] { return desired_volume(*http_, id) == 80; }, 5s));
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(fleet->device(id)->settings.volume, 80);  // the device keeps its own setting
    EXPECT_EQ(field(http_->get("/api/v1/devices/" + id), "in_sync"), "true");
    fleet->stop();
    server_->terminate();
}

TEST_F(Live, QueuedRebootIsDeliveredAfterReconnectAnotherExpires) {
    start();
    auto fleet = devices(1);
    const auto id = fleet->ids()[0];
    fleet->start();
    ASSERT_TRUE(eventually([&] { return device_ready(*http_, id); }, 10s));
    fleet->stop();
    ASSERT_TRUE(eventually(
        [&] { return field(http_->get("/api/v1/devices/" + id), "online") == "false"; }, 10s));

    auto keep = http_->post("/api/v1/devices/" + id + "/commands",
                            R"({"cmd":"reboot","queue_if_offline":true,"ttl_s":120})");
    ASSERT_EQ(keep.status, 202u) << keep.body;
    EXPECT_EQ(field(keep, "state"), "queued");
    auto brief =
        http_->post("/api/v1/devices/" + id + "/commands",
                    R"({"cmd":"set_volume","volume":5,"queue_if_offline":true,"ttl_s":1})");
    ASSERT_EQ(brief.status, 202u) << brief.body;
    const auto keep_href = field(keep, "href");
    const auto brief_href = field(brief, "href");
    EXPECT_EQ(field(http_->get(keep_href), "state"), "queued");

    // It survives a restart of the server.
    server_->terminate();
    server_->start();
    http_ = std::make_unique<HttpClient>(server_->port());
    EXPECT_EQ(field(http_->get(keep_href), "state"), "queued");
    ASSERT_TRUE(
        eventually([&] { return field(http_->get(brief_href), "state") == "expired"; }, 5s));

    auto back = devices(1);
    back->start();
    ASSERT_TRUE(eventually([&] { return back->device(id)->boots >= 2; }, 15s))
        << http_->get(keep_href).body;
    EXPECT_TRUE(
        eventually([&] { return field(http_->get(keep_href), "state") == "finished"; }, 10s));
    EXPECT_EQ(field(http_->get(brief_href), "state"), "expired");
    EXPECT_EQ(back->device(id)->settings.volume, 60);  // the expired one never reached it
    back->stop();
    server_->terminate();
}

TEST_F(Live, JobOverTwoThousandDevicesWithFivePercentSilent) {
    constexpr std::size_t n = 2000;
    start({"--command-timeout-ms", "2000"});
    auto opt = fast_sim(server_->ws_url(), n);
    opt.ignore_commands = 0.05;
    sim::Fleet fleet(opt);
    fleet.start();
    ASSERT_TRUE(eventually(
        [&] {
            return http_->get("/api/v1/devices?online=true&limit=1").json.at("total").as_int64() ==
                   static_cast<std::int64_t>(n);
        },
        90s));
    auto r =
        http_->post("/api/v1/jobs", R"({"action":"config","params":{"volume":42},"target":"all",)"
                                    R"("max_concurrent":500,"timeout_ms":2000})");
    ASSERT_EQ(r.status, 202u) << r.body;
    const auto href = field(r, "href");
    HttpResult job;
    ASSERT_TRUE(eventually(
        [&] {
            job = http_->get(href);
            return field(job, "state") == "finished";
        },
        60s))
        << job.body.substr(0, 2000);
    const auto& totals = job.json.at("totals").as_object();
    EXPECT_EQ(totals.at("total").as_int64(), 2000);
    EXPECT_EQ(totals.at("ok").as_int64(), 1900);
    EXPECT_EQ(totals.at("failed").as_int64(), 100);
    EXPECT_EQ(totals.at("offline").as_int64(), 0);
    std::size_t checked = 0;
    for (const auto& v : job.json.at("devices").as_array()) {
        const auto& o = v.as_object();
        const std::string id(o.at("device_id").as_string());
        const auto d = fleet.device(id);
        ASSERT_TRUE(d);
        if (d->ignores_commands) {
            EXPECT_EQ(o.at("state").as_string(), "failed") << id;
            EXPECT_EQ(o.at("detail").as_string(), "timeout") << id;
        } else {
            EXPECT_EQ(o.at("state").as_string(), "ok") << id;
            EXPECT_EQ(d->settings.volume, 42) << id;
        }
        ++checked;
    }
    EXPECT_EQ(checked, n);
    fleet.stop();
    server_->terminate();
}

TEST_F(Live, EventStreamReconnectWithLastEventIdMissesNothing) {
    start();
    auto patch = [&](int v) {
        ASSERT_EQ(http_
                      ->patch("/api/v1/devices/0000000000bb/desired",
                              R"({"volume":)" + std::to_string(v) + "}")
                      .status,
                  200u);
    };
    auto volume_of = [](const cli::SseEvent& e) {
        return json::parse(e.data).at("data").at("volume").as_int64();
    };
    std::vector<std::int64_t> seen;
    std::string last_id;
    {
        SseClient first(server_->port(), "/api/v1/events?type=desired.");
        ASSERT_EQ(first.status(), 200u);
        for (int v = 1; v <= 10; ++v)
            patch(v);
        while (seen.size() < 10) {
            auto e = first.next(5s);
            ASSERT_TRUE(e) << "got " << seen.size();
            seen.push_back(volume_of(*e));
            last_id = e->id;
        }
        first.close();  // the client drops
    }
    for (int v = 11; v <= 20; ++v)
        patch(v);  // while nobody listens
    SseClient second(server_->port(), "/api/v1/events?type=desired.", last_id);
    ASSERT_EQ(second.status(), 200u);
    for (int v = 21; v <= 30; ++v)
        patch(v);
    std::uint64_t prev = std::stoull(last_id);
    while (seen.size() < 30) {
        auto e = second.next(5s);
        ASSERT_TRUE(e) << "got " << seen.size();
        seen.push_back(volume_of(*e));
        EXPECT_GT(std::stoull(e->id), prev);
        prev = std::stoull(e->id);
    }
    for (std::size_t i = 0; i < seen.size(); ++i)
        EXPECT_EQ(seen[i], static_cast<std::int64_t>(i + 1));
    EXPECT_FALSE(second.next(300ms));  // and nothing twice
    server_->terminate();
}

}  // namespace
}  // namespace ptalk::test

namespace ptalk::test {
namespace {

std::string hmac_hex(std::string_view key, std::string_view msg) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
    std::string hex;
    for (unsigned int i = 0; i < len; ++i)
        hex += fmt::format("{:02x}", out[i]);
    return hex;
}

TEST(LiveWebhooks, AReceiverFailingTwiceGetsTheEventOnTheThirdTrySigned) {
    Receiver receiver(2);
    PtalkdProcess server{{"--webhook-retry-ms", "100"}};
    server.start();
    HttpClient http(server.port());
    auto w = http.post("/api/v1/webhooks", R"({"url":"http://127.0.0.1:)" +
                                               std::to_string(receiver.port()) +
                                               R"(/hook","secret":"s3cret","types":["desired."]})");
    ASSERT_EQ(w.status, 201u) << w.body;
    const auto wid = field(w, "id");
    EXPECT_EQ(w.json.as_object().count("secret"), 0u);  // never shown again
    ASSERT_EQ(http.patch("/api/v1/devices/0000000000cc/desired", R"({"volume":12})").status, 200u);
    ASSERT_TRUE(eventually([&] { return receiver.got().size() >= 3; }, 10s));
    std::this_thread::sleep_for(500ms);
    const auto got = receiver.got();
    ASSERT_EQ(got.size(), 3u);  // delivered on the third try, then no more
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].body, got[0].body);  // the same event each time
        EXPECT_EQ(got[i].event_type, "desired.changed");
        EXPECT_EQ(got[i].attempt, std::to_string(i + 1));
        EXPECT_EQ(got[i].signature, "sha256=" + hmac_hex("s3cret", got[i].body));
    }
    auto body = json::parse(got[2].body);
    EXPECT_EQ(body.at("data").at("volume").as_int64(), 12);
    auto log = http.get("/api/v1/webhooks/" + wid + "/deliveries");
    ASSERT_EQ(log.status, 200u) << log.body;
    const auto& d = log.json.at("deliveries").as_array();
    ASSERT_EQ(d.size(), 3u);
    EXPECT_TRUE(d[0].at("delivered").as_bool());  // newest first
    EXPECT_EQ(d[0].at("attempt").as_int64(), 3);
    EXPECT_EQ(d[1].at("status").as_int64(), 500);
    EXPECT_EQ(http.request(boost::beast::http::verb::delete_, "/api/v1/webhooks/" + wid).status,
              204u);
    EXPECT_EQ(http.get("/api/v1/webhooks/" + wid).status, 404u);
    server.terminate();
}

}  // namespace
}  // namespace ptalk::test
