// PROTOCOL.md §4: replies carry no id. A device that does not answer gets a
// timeout; a reply that comes after its command timed out never answers the next.
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/fixture.hpp"

namespace ptalk::test {
namespace {

TEST(Reliability, NoReplyGives504WithinTheTimeout) {
    // The status ptalk asks after the handshake times out first (it is queued
    // ahead), so keep the default timeout short.
    PtalkdProcess server{{"--command-timeout-ms", "500"}};
    server.start();
    HttpClient http(server.port());
    auto opt = fast_sim(server.ws_url(), 1);
    opt.ignore_commands = 1;  // one device, and it never answers
    sim::Fleet fleet(opt);
    fleet.start();
    const auto id = fleet.ids()[0];
    ASSERT_TRUE(eventually(
        [&] { return field(http.get("/api/v1/devices/" + id), "online") == "true"; }, 10s));
    const auto t0 = std::chrono::steady_clock::now();
    auto r = http.post("/api/v1/devices/" + id + "/commands",
                       R"({"cmd":"set_volume","volume":20,"timeout_ms":400})");
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 504u) << r.body;
    EXPECT_EQ(r.json.at("error").at("code").as_string(), "timeout");
    EXPECT_EQ(r.json.at("command").at("outcome").as_string(), "timeout");
    EXPECT_LT(took, 3s);
    fleet.stop();
    server.terminate();
}

// A command's timeout bounds its wait in the device's queue too: callers lined
// up behind a silent device all hear 504 within their timeout, and the ones
// that never got their turn were not sent (nothing ambiguous to follow up).
TEST(Reliability, CommandsQueuedBehindASilentDeviceAnswerWithinTheirTimeout) {
    PtalkdProcess server{{"--command-timeout-ms", "500", "--no-status-after-handshake"}};
    server.start();
    auto opt = fast_sim(server.ws_url(), 1);
    opt.ignore_commands = 1;
    sim::Fleet fleet(opt);
    fleet.start();
    const auto id = fleet.ids()[0];
    HttpClient probe(server.port());
    ASSERT_TRUE(eventually(
        [&] { return field(probe.get("/api/v1/devices/" + id), "online") == "true"; }, 10s));
    constexpr int callers = 5;
    std::vector<HttpResult> answers(callers);
    std::vector<std::chrono::steady_clock::duration> took(callers);
    std::vector<std::thread> threads;
    for (int i = 0; i < callers; ++i) {
        threads.emplace_back([&, i] {
            HttpClient http(server.port());
            const auto t0 = std::chrono::steady_clock::now();
            answers[static_cast<std::size_t>(i)] =
                http.post("/api/v1/devices/" + id + "/commands",
                          R"({"cmd":"request_status","timeout_ms":1000})");
            took[static_cast<std::size_t>(i)] = std::chrono::steady_clock::now() - t0;
        });
    }
    for (auto& t : threads)
        t.join();
    int unsent = 0;
    for (int i = 0; i < callers; ++i) {
        const auto& r = answers[static_cast<std::size_t>(i)];
        EXPECT_EQ(r.status, 504u) << r.body;
        // At most twice the timeout (its turn came just before it expired), not
        // the 5 x 1 s in a row of commands that wait for their turn however long.
        EXPECT_LT(took[static_cast<std::size_t>(i)], 3500ms);
        if (r.status == 504u && !r.json.at("command").at("sent").as_bool()) ++unsent;
    }
    // The first was sent and timed out; the callers queued behind it expired
    // unsent (one queued a moment after the first may have had its turn).
    EXPECT_GE(unsent, callers - 2);
    fleet.stop();
    server.terminate();
}

TEST(Reliability, StaleReplyIsNotTakenForTheNextCommand) {
    PtalkdProcess server;
    server.start();
    HttpClient http(server.port());
    auto opt = fast_sim(server.ws_url(), 1);
    opt.model.reply_delay = 600ms;  // every reply comes late
    sim::Fleet fleet(opt);
    fleet.start();
    const auto id = fleet.ids()[0];
    ASSERT_TRUE(eventually([&] { return device_ready(http, id); }, 15s));
    const std::string path = "/api/v1/devices/" + id + "/commands";
    // Times out at 300 ms; its reply (volume 30) arrives at ~600 ms, while the
    // follow-up status and then set_volume 50 are in flight.
    auto first = http.post(path, R"({"cmd":"set_volume","volume":30,"timeout_ms":300})");
    EXPECT_EQ(first.status, 504u) << first.body;
    auto second = http.post(path, R"({"cmd":"set_volume","volume":50,"timeout_ms":5000})");
    ASSERT_EQ(second.status, 200u) << second.body;
    EXPECT_EQ(second.json.at("reply").at("volume").as_int64(), 50);
    EXPECT_EQ(fleet.device(id)->settings.volume, 50);
    // The late reply was counted as stale and recorded as state, not as an answer.
    auto metrics = http.get("/metrics").body;
    EXPECT_EQ(metrics.find("ptalk_stale_replies_total 0\n"), std::string::npos) << metrics;
    // The ambiguous timeout was followed by a status that recorded the truth.
    auto h = http.get(path + "?limit=10");
    bool follow_up = false;
    for (const auto& c : h.json.at("commands").as_array()) {
        follow_up = follow_up || (c.at("cmd").as_string() == "request_status" &&
                                  c.at("requested_by").as_string() == "ptalk" &&
                                  c.at("id").to_number<std::uint64_t>() >
                                      first.json.at("command").at("id").to_number<std::uint64_t>());
    }
    EXPECT_TRUE(follow_up) << h.body;
    fleet.stop();
    server.terminate();
}

TEST(Reliability, DuplicateConnectionReplacesTheOldSocket) {
    PtalkdProcess server;
    server.start();
    HttpClient http(server.port());
    auto opt = fast_sim(server.ws_url(), 1);
    sim::Fleet fleet(opt);
    fleet.start();
    const auto id = fleet.ids()[0];
    ASSERT_TRUE(eventually([&] { return device_ready(http, id); }, 10s));
    // The same device id from a second simulator process-alike: the newest wins.
    sim::Fleet twin(opt);
    twin.start();
    ASSERT_TRUE(eventually(
        [&] {
            return http.get("/metrics").body.find("ptalk_devices_replaced_total 0\n") ==
                   std::string::npos;
        },
        10s));
    EXPECT_EQ(http.post("/api/v1/devices/" + id + "/status").status, 200u);
    EXPECT_EQ(fleet.stats()[sim::Counter::stranded], 0);
    EXPECT_EQ(twin.stats()[sim::Counter::stranded], 0);
    twin.stop();
    fleet.stop();
    server.terminate();
}

}  // namespace
}  // namespace ptalk::test
