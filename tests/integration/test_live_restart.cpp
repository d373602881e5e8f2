// Issue 6 across restarts (migration v6): fleet jobs stay readable after a
// SIGTERM and a kill -9, a reboot job cut by kill -9 resumes without rebooting
// any device twice, and webhooks deliver what was committed while ptalkd or
// the receiver was down.
#include <map>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/fixture.hpp"
#include "support/webhook_receiver.hpp"

namespace ptalk::test {
namespace {

namespace json = boost::json;

std::int64_t total(const HttpResult& job, std::string_view key) {
    return job.json.at("totals").at(key).to_number<std::int64_t>();
}

HttpResult wait_job(HttpClient& http, const std::string& href, std::chrono::seconds timeout) {
    HttpResult job;
    eventually(
        [&] {
            job = http.get(href);
            return field(job, "state") == "finished";
        },
        timeout);
    return job;
}

TEST(LiveRestart, AFinishedJobIsReadableAfterSigtermAndKill9) {
    constexpr std::size_t n = 20;
    PtalkdProcess server;
    server.start();
    HttpClient http(server.port());
    sim::Fleet fleet(fast_sim(server.ws_url(), n));
    fleet.start();
    ASSERT_TRUE(eventually([&] { return online(http) == static_cast<std::int64_t>(n); }, 30s));
    auto r =
        http.post("/api/v1/jobs", R"({"action":"config","params":{"volume":33},"target":"all"})");
    ASSERT_EQ(r.status, 202u) << r.body;
    const auto href = field(r, "href");
    const auto first_id = std::stoll(field(r, "id"));
    auto before = wait_job(http, href, 30s);
    ASSERT_EQ(field(before, "state"), "finished") << before.body.substr(0, 1000);
    ASSERT_EQ(total(before, "ok"), static_cast<std::int64_t>(n));

    auto check = [&](HttpClient& h) {
        auto after = h.get(href);
        ASSERT_EQ(after.status, 200u) << after.body;
        EXPECT_EQ(field(after, "state"), "finished");
        EXPECT_EQ(field(after, "action"), "config");
        EXPECT_EQ(after.json.at("params"), before.json.at("params"));
        EXPECT_EQ(after.json.at("totals"), before.json.at("totals"));
        EXPECT_EQ(after.json.at("created_at_ms"), before.json.at("created_at_ms"));
        EXPECT_EQ(after.json.at("finished_at_ms"), before.json.at("finished_at_ms"));
        ASSERT_EQ(after.json.at("devices"), before.json.at("devices"));
        auto list = h.get("/api/v1/jobs");
        ASSERT_EQ(list.status, 200u);
        ASSERT_EQ(list.json.at("jobs").as_array().size(), 1u) << list.body;
    };
    server.terminate();
    server.start();
    {
        HttpClient h(server.port());
        check(h);
    }
    std::this_thread::sleep_for(300ms);  // nothing of this job is still waiting to be written
    server.kill9();
    server.start();
    HttpClient h(server.port());
    check(h);
    // Ids go on after the stored ones.
    ASSERT_TRUE(eventually([&] { return online(h) == static_cast<std::int64_t>(n); }, 30s));
    auto next = h.post("/api/v1/jobs", R"({"action":"status","target":"all"})");
    ASSERT_EQ(next.status, 202u) << next.body;
    EXPECT_EQ(std::stoll(field(next, "id")), first_id + 1);
    auto done = wait_job(h, field(next, "href"), 30s);
    EXPECT_EQ(total(done, "ok"), static_cast<std::int64_t>(n)) << done.body.substr(0, 1000);
    fleet.stop();
    server.terminate();
}

// A reboot job paced slowly, cut by kill -9 part-way; after the restart it
// finishes the devices it had not started, and no device boots twice.
void reboot_job_across_a_stop(bool hard) {
    constexpr std::size_t n = 24;
    PtalkdProcess server;
    server.start();
    HttpClient http(server.port());
    sim::Fleet fleet(fast_sim(server.ws_url(), n));
    fleet.start();
    ASSERT_TRUE(eventually([&] { return online(http) == static_cast<std::int64_t>(n); }, 30s));
    std::map<std::string, std::uint32_t> boots;
    for (const auto& id : fleet.ids()) {
        auto d = fleet.device(id);
        ASSERT_TRUE(d);
        boots[d->id] = d->boots;
    }
    auto r = http.post("/api/v1/jobs",
                       R"({"action":"reboot","target":"all","max_concurrent":2,"rate_per_s":4})");
    ASSERT_EQ(r.status, 202u) << r.body;
    const auto href = field(r, "href");
    ASSERT_TRUE(eventually(
        [&] {
            auto j = http.get(href);
            return j.status == 200 && total(j, "done") >= 6;
        },
        30s));
    if (hard)
        server.kill9();
    else
        server.terminate();
    server.start();
    HttpClient h(server.port());
    auto job = wait_job(h, href, 60s);
    ASSERT_EQ(field(job, "state"), "finished") << job.body.substr(0, 2000) << server.log();
    EXPECT_EQ(total(job, "total"), static_cast<std::int64_t>(n));
    EXPECT_EQ(total(job, "done"), static_cast<std::int64_t>(n));
    EXPECT_EQ(total(job, "failed"), 0) << job.body.substr(0, 2000);
    std::cerr << "totals after the restart: " << json::serialize(job.json.at("totals")) << "\n";
    EXPECT_GT(total(job, "ok"), 6);  // the resumed part did reboot devices
    // Devices come back from their reboot; none may boot more than once more.
    std::this_thread::sleep_for(1500ms);
    std::size_t rebooted = 0;
    for (const auto& v : job.json.at("devices").as_array()) {
        const std::string id(v.at("device_id").as_string());
        const std::string state(v.at("state").as_string());
        auto d = fleet.device(id);
        ASSERT_TRUE(d);
        EXPECT_LE(d->boots, boots[id] + 1) << id << " " << state;
        if (state == "ok") {
            EXPECT_EQ(d->boots, boots[id] + 1) << id;
            ++rebooted;
        }
    }
    EXPECT_EQ(static_cast<std::int64_t>(rebooted), total(job, "ok"));
    fleet.stop();
    server.terminate();
}

TEST(LiveRestart, ARebootJobCutByKill9ResumesAndNoDeviceRebootsTwice) {
    reboot_job_across_a_stop(true);
}

TEST(LiveRestart, ARebootJobCutBySigtermResumesAndNoDeviceRebootsTwice) {
    reboot_job_across_a_stop(false);
}

// A reboot job cancelled part-way and then stopped: after the restart it is
// still cancelled, and no device it had not started is rebooted.
TEST(LiveRestart, ACancelledJobStaysCancelledAfterARestart) {
    constexpr std::size_t n = 12;
    PtalkdProcess server;
    server.start();
    HttpClient http(server.port());
    sim::Fleet fleet(fast_sim(server.ws_url(), n));
    fleet.start();
    ASSERT_TRUE(eventually([&] { return online(http) == static_cast<std::int64_t>(n); }, 30s));
    std::map<std::string, std::uint32_t> boots;
    for (const auto& id : fleet.ids())
        boots[id] = fleet.device(id)->boots;
    auto r = http.post("/api/v1/jobs",
                       R"({"action":"reboot","target":"all","max_concurrent":1,"rate_per_s":2})");
    ASSERT_EQ(r.status, 202u) << r.body;
    const auto href = field(r, "href");
    ASSERT_TRUE(eventually([&] { return total(http.get(href), "done") >= 2; }, 30s));
    ASSERT_EQ(http.post(href + "/cancel").status / 100, 2u);
    server.terminate();
    server.start();
    HttpClient h(server.port());
    HttpResult job;
    ASSERT_TRUE(eventually(
        [&] {
            job = h.get(href);
            return field(job, "state") == "cancelled";
        },
        30s))
        << job.body.substr(0, 2000);
    EXPECT_GT(total(job, "cancelled"), 0) << job.body.substr(0, 2000);
    std::this_thread::sleep_for(1500ms);  // a resumed job would have rebooted more by now
    const auto final_job = h.get(href);
    for (const auto& v : final_job.json.at("devices").as_array()) {
        const std::string id(v.at("device_id").as_string());
        if (v.at("state").as_string() == "cancelled") {
            EXPECT_EQ(fleet.device(id)->boots, boots[id]) << id << " was rebooted after the cancel";
        }
    }
    fleet.stop();
    server.terminate();
}

std::int64_t volume_of(const Receiver::Got& g) {
    return json::parse(g.body).at("data").at("volume").to_number<std::int64_t>();
}

std::string add_webhook(HttpClient& http, const Receiver& receiver, std::string_view types) {
    auto w = http.post("/api/v1/webhooks",
                       R"({"url":"http://127.0.0.1:)" + std::to_string(receiver.port()) +
                           R"(/hook","secret":"s","types":)" + std::string(types) + "}");
    EXPECT_EQ(w.status, 201u) << w.body;
    return field(w, "id");
}

TEST(LiveRestart, AWebhookReceiverDownAcrossAKill9GetsTheEventsCommittedMeanwhile) {
    Receiver receiver(1'000'000);  // down: 500 to everything
    PtalkdProcess server{{"--webhook-retry-ms", "200", "--webhook-attempts", "50"}};
    server.start();
    const auto wid = [&] {
        HttpClient http(server.port());
        auto id = add_webhook(http, receiver, R"(["desired."])");
        EXPECT_EQ(http.patch("/api/v1/devices/0000000000cc/desired", R"({"volume":11})").status,
                  200u);
        return id;
    }();
    ASSERT_TRUE(eventually([&] { return receiver.got().size() >= 2; }, 10s));
    std::this_thread::sleep_for(100ms);  // the failed attempts are on disk
    server.kill9();
    server.start();
    HttpClient http(server.port());
    // Committed while the receiver is still down.
    ASSERT_EQ(http.patch("/api/v1/devices/0000000000cc/desired", R"({"volume":12})").status, 200u);
    std::this_thread::sleep_for(300ms);
    receiver.set_failures(0);  // the receiver is back
    std::vector<Receiver::Got> ok;
    ASSERT_TRUE(eventually(
        [&] {
            ok.clear();
            for (const auto& g : receiver.got())
                if (g.status == 200) ok.push_back(g);
            return ok.size() >= 2;
        },
        15s));
    std::this_thread::sleep_for(500ms);
    ok.clear();
    for (const auto& g : receiver.got())
        if (g.status == 200) ok.push_back(g);
    ASSERT_EQ(ok.size(), 2u);  // each event once, in order
    EXPECT_EQ(volume_of(ok[0]), 11);
    EXPECT_EQ(volume_of(ok[1]), 12);
    EXPECT_LT(std::stoull(ok[0].event_id), std::stoull(ok[1].event_id));
    // The log has the attempts from before the kill too.
    auto log = http.get("/api/v1/webhooks/" + wid + "/deliveries");
    ASSERT_EQ(log.status, 200u) << log.body;
    std::size_t failed_before = 0, delivered = 0;
    for (const auto& d : log.json.at("deliveries").as_array()) {
        if (d.at("delivered").as_bool())
            ++delivered;
        else if (d.at("event_id").to_number<std::uint64_t>() == std::stoull(ok[0].event_id))
            ++failed_before;
    }
    EXPECT_EQ(delivered, 2u);
    EXPECT_GE(failed_before, 2u) << log.body.substr(0, 2000);
    server.terminate();
}

TEST(LiveRestart, TheDeliveryLogSurvivesASigtermAndEventsOfTheStopAreDelivered) {
    Receiver receiver(0);
    PtalkdProcess server;
    server.start();
    std::string wid;
    {
        HttpClient http(server.port());
        wid = add_webhook(http, receiver, R"(["device.online","device.offline"])");
    }
    sim::Fleet fleet(fast_sim(server.ws_url(), 1));
    fleet.start();
    ASSERT_TRUE(eventually([&] { return !receiver.got().empty(); }, 10s));
    const auto first = receiver.got().front();
    EXPECT_EQ(first.event_type, "device.online");
    // The device.offline (server_shutdown) is committed while ptalkd stops,
    // after the webhook stopped: the restart delivers it from the store.
    server.terminate();
    server.start();
    HttpClient http(server.port());
    std::vector<Receiver::Got> got;
    ASSERT_TRUE(eventually(
        [&] {
            got = receiver.got();
            return got.size() >= 3;  // online, offline (shutdown), online again
        },
        15s));
    std::this_thread::sleep_for(300ms);
    got = receiver.got();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[1].event_type, "device.offline");
    EXPECT_EQ(json::parse(got[1].body).at("data").at("reason").as_string(), "server_shutdown");
    EXPECT_EQ(got[2].event_type, "device.online");
    auto log = http.get("/api/v1/webhooks/" + wid + "/deliveries");
    ASSERT_EQ(log.status, 200u) << log.body;
    const auto& d = log.json.at("deliveries").as_array();
    ASSERT_EQ(d.size(), 3u) << log.body;
    EXPECT_EQ(d[2].at("event_id").to_number<std::uint64_t>(), std::stoull(first.event_id));
    EXPECT_TRUE(d[2].at("delivered").as_bool());
    fleet.stop();
    server.terminate();
}

}  // namespace
}  // namespace ptalk::test
