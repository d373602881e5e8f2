#include "live/job_plan.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "live/hmac.hpp"
#include "live/webhooks.hpp"

namespace ptalk::live {
namespace {

namespace json = boost::json;

JobRequest parse(std::string_view body, std::string& error) {
    return parse_job_request(json::parse(body).as_object(), error);
}

TEST(JobRequest, ParsesTargetsAndDefaults) {
    std::string e;
    auto r = parse(R"({"action":"config","params":{"volume":20},"target":"all"})", e);
    EXPECT_EQ(e, "");
    EXPECT_EQ(r.action, JobAction::config);
    EXPECT_EQ(r.target.kind, JobTarget::Kind::all);
    EXPECT_EQ(*r.patch.volume, 20);
    r = parse(R"({"action":"reboot","target":["AA:BB:CC:DD:EE:FF","aabbccddeeff","000000000001"]})",
              e);
    EXPECT_EQ(e, "");
    EXPECT_EQ(r.target.ids, (std::vector<std::string>{"000000000001", "aabbccddeeff"}));
    EXPECT_EQ(r.max_concurrent, 50u);  // reboots never all at once by default
    r = parse(R"({"action":"status","target":{"online":true,"firmware_version":"1.0.1"},)"
              R"("max_concurrent":10,"rate_per_s":2.5})",
              e);
    EXPECT_EQ(e, "");
    EXPECT_EQ(r.target.kind, JobTarget::Kind::filter);
    EXPECT_EQ(r.target.online, true);
    EXPECT_EQ(r.max_concurrent, 10u);
    EXPECT_DOUBLE_EQ(r.rate_per_s, 2.5);
}

TEST(JobRequest, RefusesWhatItCannotRun) {
    for (const char* body :
         {R"({"target":"all"})", R"({"action":"dance","target":"all"})",
          R"({"action":"config","params":{"volume":300},"target":"all"})",
          R"({"action":"config","target":"all"})",
          R"({"action":"reboot","params":{"x":1},"target":"all"})", R"({"action":"status"})",
          R"({"action":"status","target":"some"})", R"({"action":"status","target":["nope"]})",
          R"({"action":"status","target":[]})", R"({"action":"status","target":{"colour":"red"}})",
          R"({"action":"status","target":"all","max_concurrent":0})",
          R"({"action":"status","target":"all","rate_per_s":-1})"}) {
        std::string e;
        (void)parse(body, e);
        EXPECT_NE(e, "") << body;
    }
}

TEST(JobPlan, StartsArePacedByRate) {
    EXPECT_EQ(start_offset(0, 10).count(), 0);
    EXPECT_EQ(start_offset(5, 10).count(), 500'000);
    EXPECT_EQ(start_offset(3, 0).count(), 0);  // no limit
    EXPECT_EQ(start_offset(1, 3).count(), 333'333);
    EXPECT_EQ(worker_count(2000, 500), 500u);
    EXPECT_EQ(worker_count(3, 500), 3u);
    EXPECT_EQ(worker_count(0, 500), 1u);
}

TEST(JobPlan, TotalsCountEveryState) {
    std::vector<DeviceJobOutcome> o(7);
    o[0].state = DeviceJobState::ok;
    o[1].state = DeviceJobState::ok;
    o[2].state = DeviceJobState::failed;
    o[3].state = DeviceJobState::offline;
    o[4].state = DeviceJobState::cancelled;
    o[5].state = DeviceJobState::running;
    auto t = totals(o);
    EXPECT_EQ(t.total, 7u);
    EXPECT_EQ(t.ok, 2u);
    EXPECT_EQ(t.failed, 1u);
    EXPECT_EQ(t.offline, 1u);
    EXPECT_EQ(t.cancelled, 1u);
    EXPECT_EQ(t.running, 1u);
    EXPECT_EQ(t.pending, 1u);
    EXPECT_EQ(t.done(), 5u);
}

TEST(Hmac, Rfc4231TestCase2) {
    EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?").substr(0, 7), "sha256=");
}

TEST(Webhooks, UrlsAndBackoff) {
    std::string e;
    auto u = parse_webhook_url("http://127.0.0.1:9000/hook?x=1", e);
    ASSERT_TRUE(u) << e;
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, "9000");
    EXPECT_EQ(u->target, "/hook?x=1");
    u = parse_webhook_url("http://example.test", e);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, "80");
    EXPECT_EQ(u->target, "/");
    EXPECT_FALSE(parse_webhook_url("https://example.test/", e));
    EXPECT_FALSE(parse_webhook_url("not a url", e));
    using std::chrono::milliseconds;
    EXPECT_EQ(retry_delay(2, milliseconds(500)), milliseconds(500));
    EXPECT_EQ(retry_delay(3, milliseconds(500)), milliseconds(1000));
    EXPECT_EQ(retry_delay(5, milliseconds(500)), milliseconds(4000));
    EXPECT_EQ(retry_delay(60, milliseconds(500)), std::chrono::minutes(5));
}

TEST(JobResume, FinishedStatesStayPendingRunsAgain) {
    using S = DeviceJobState;
    for (auto a : {JobAction::config, JobAction::reboot, JobAction::status}) {
        for (auto s : {S::ok, S::failed, S::offline, S::cancelled, S::unknown})
            EXPECT_EQ(resume_state(a, s, false), s);
        EXPECT_EQ(resume_state(a, S::pending, false), S::pending);
        EXPECT_EQ(resume_state(a, S::pending, true), S::cancelled);
    }
}

TEST(JobResume, AStartedRebootIsUnknownNeverSentAgain) {
    using S = DeviceJobState;
    EXPECT_EQ(resume_state(JobAction::reboot, S::running, false), S::unknown);
    EXPECT_EQ(resume_state(JobAction::reboot, S::running, true), S::unknown);
    // Config and status are safe to repeat.
    EXPECT_EQ(resume_state(JobAction::config, S::running, false), S::pending);
    EXPECT_EQ(resume_state(JobAction::status, S::running, false), S::pending);
    EXPECT_EQ(resume_state(JobAction::status, S::running, true), S::cancelled);
}

TEST(JobResume, StatesRoundTripAndUnknownCountsAsDone) {
    for (auto s : {DeviceJobState::pending, DeviceJobState::running, DeviceJobState::ok,
                   DeviceJobState::failed, DeviceJobState::offline, DeviceJobState::cancelled,
                   DeviceJobState::unknown})
        EXPECT_EQ(parse_device_job_state(to_string(s)), s);
    EXPECT_FALSE(parse_device_job_state("bogus"));
    std::vector<DeviceJobOutcome> o{{"a", DeviceJobState::unknown, {}, {}},
                                    {"b", DeviceJobState::pending, {}, {}}};
    const auto t = totals(o);
    EXPECT_EQ(t.unknown, 1u);
    EXPECT_EQ(t.done(), 1u);
    EXPECT_EQ(totals_json(t).at("unknown").to_number<int>(), 1);
}

TEST(JobResume, TheStoredRequestReadsBackTheSame) {
    const char* bodies[] = {
        R"({"action":"config","params":{"volume":30},"target":"all","max_concurrent":7,"rate_per_s":2.5,"timeout_ms":900})",
        R"({"action":"reboot","target":["24a160ff3b9c","24:A1:60:FF:3B:9D"]})",
        R"({"action":"status","target":{"online":true,"firmware_version":"1.0.1","name":"hall"}})",
    };
    for (const char* b : bodies) {
        std::string error;
        auto r = parse_job_request(boost::json::parse(b).as_object(), error);
        ASSERT_TRUE(error.empty()) << error;
        auto again = parse_job_request(job_request_json(r), error);
        ASSERT_TRUE(error.empty()) << error << " " << boost::json::serialize(job_request_json(r));
        EXPECT_EQ(again.action, r.action);
        EXPECT_EQ(again.params, r.params);
        EXPECT_EQ(again.target.kind, r.target.kind);
        EXPECT_EQ(again.target.ids, r.target.ids);
        EXPECT_EQ(again.target.online, r.target.online);
        EXPECT_EQ(again.target.firmware_version, r.target.firmware_version);
        EXPECT_EQ(again.target.name_contains, r.target.name_contains);
        EXPECT_EQ(again.max_concurrent, r.max_concurrent);
        EXPECT_EQ(again.rate_per_s, r.rate_per_s);
        EXPECT_EQ(again.timeout, r.timeout);
        EXPECT_EQ(again.patch.volume, r.patch.volume);
    }
}

}  // namespace
}  // namespace ptalk::live
