// Migration v6 (issue 6): jobs and their devices, webhook deliveries and cursors.
#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "store/sqlite_store.hpp"
#include "store_fixtures.hpp"

namespace ptalk::store {
namespace {

using namespace std::chrono_literals;
using test::open_store;

JobRecord job(std::uint64_t id, std::optional<UnixMillis> finished = std::nullopt) {
    JobRecord j;
    j.id = id;
    j.spec = R"({"action":"status","target":"all"})";
    j.requested_by = "api";
    j.created_at = 1000 + static_cast<UnixMillis>(id);
    j.finished_at = finished;
    j.state = finished ? "finished" : "running";
    j.totals = R"({"total":2})";
    return j;
}

JobDeviceRecord row(std::uint64_t job_id, std::uint64_t seq, std::string state) {
    JobDeviceRecord r;
    r.job_id = job_id;
    r.seq = seq;
    r.device_id = "24a160ff3b" + std::to_string(10 + seq);
    r.state = std::move(state);
    return r;
}

TEST(SqliteStoreJobs, JobsAndTheirDevicesSurviveAReopen) {
    test::TempDir tmp;
    {
        auto store = open_store(tmp.path());
        store->put_job(job(7));
        store->put_job_devices({row(7, 0, "pending"), row(7, 1, "pending")});
        // A later batch of the same rows wins.
        auto done = row(7, 1, "ok");
        done.detail = "ok";
        done.command_ids = "[3,4]";
        store->put_job_devices({done});
        auto updated = job(7);
        updated.cancel_requested = true;
        updated.desired_applied = true;
        store->put_job(updated);
        ASSERT_TRUE(store->close().ok());
    }
    auto store = open_store(tmp.path());
    auto jobs = store->load_jobs();
    ASSERT_TRUE(jobs);
    ASSERT_EQ(jobs->size(), 1u);
    auto want = job(7);
    want.cancel_requested = true;
    want.desired_applied = true;
    EXPECT_EQ(jobs->front(), want);
    auto devices = store->load_job_devices(7);
    ASSERT_TRUE(devices);
    ASSERT_EQ(devices->size(), 2u);
    EXPECT_EQ((*devices)[0], row(7, 0, "pending"));
    EXPECT_EQ((*devices)[1].state, "ok");
    EXPECT_EQ((*devices)[1].command_ids, "[3,4]");
    EXPECT_TRUE(store->load_job_devices(8)->empty());
}

TEST(SqliteStoreJobs, TheCommitCallbackRunsOnceTheRowsAreOnDisk) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    std::atomic<bool> committed{false};
    store->put_job_devices({row(1, 0, "running")}, [&] { committed = true; });
    for (int i = 0; i < 500 && !committed; ++i)
        std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(committed);
    auto devices = store->load_job_devices(1);  // its own connection: committed rows only
    ASSERT_TRUE(devices);
    ASSERT_EQ(devices->size(), 1u);
    EXPECT_EQ(devices->front().state, "running");
}

TEST(SqliteStoreJobs, PruneKeepsTheNewestFinishedAndEveryRunningJob) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    for (std::uint64_t id = 1; id <= 5; ++id) {
        store->put_job(job(id, id == 2 ? std::nullopt : std::optional<UnixMillis>(5000)));
        store->put_job_devices({row(id, 0, "ok")});
    }
    ASSERT_TRUE(store->flush_live().ok());
    store->prune_jobs(2);
    ASSERT_TRUE(store->flush_live().ok());
    auto jobs = store->load_jobs();
    ASSERT_TRUE(jobs);
    std::vector<std::uint64_t> ids;
    for (const auto& j : *jobs)
        ids.push_back(j.id);
    EXPECT_EQ(ids, (std::vector<std::uint64_t>{2, 4, 5}));
    EXPECT_TRUE(store->load_job_devices(1)->empty());
    EXPECT_TRUE(store->load_job_devices(3)->empty());
    EXPECT_EQ(store->load_job_devices(2)->size(), 1u);
}

TEST(SqliteStoreJobs, WebhookDeliveriesAreBoundedAndTheCursorKept) {
    test::TempDir tmp;
    {
        auto store = open_store(tmp.path());
        for (std::uint64_t e = 1; e <= 5; ++e) {
            WebhookDeliveryRecord a;
            a.event_id = e;
            a.event_type = "device.online";
            a.attempt = 1;
            a.at = 100 + static_cast<UnixMillis>(e);
            a.status = e == 3 ? 500 : 200;
            a.delivered = e != 3;
            a.error = e == 3 ? "status 500" : "";
            store->put_webhook_deliveries(1, {a}, 3);
            store->put_webhook_cursor(1, e);
        }
        WebhookDeliveryRecord other;
        other.event_id = 9;
        store->put_webhook_deliveries(2, {other}, 3);
        ASSERT_TRUE(store->close().ok());
    }
    auto store = open_store(tmp.path());
    auto log = store->load_webhook_deliveries(1, 100);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->size(), 3u);  // newest first, the newest 3 kept
    EXPECT_EQ((*log)[0].event_id, 5u);
    EXPECT_EQ((*log)[2].event_id, 3u);
    EXPECT_EQ((*log)[2].status, 500);
    EXPECT_FALSE((*log)[2].delivered);
    EXPECT_EQ((*log)[2].error, "status 500");
    EXPECT_EQ(store->load_webhook_deliveries(1, 2)->size(), 2u);
    EXPECT_EQ(store->load_webhook_deliveries(2, 100)->size(), 1u);
    auto cursors = store->load_webhook_cursors();
    ASSERT_TRUE(cursors);
    ASSERT_EQ(cursors->size(), 1u);
    EXPECT_EQ(cursors->front(), (std::pair<std::uint64_t, std::uint64_t>{1, 5}));
}

DesiredRecord desired(std::string id, std::uint64_t version, int volume) {
    DesiredRecord d;
    d.device_id = std::move(id);
    d.volume = volume;
    d.version = version;
    d.updated_at = 1000 + static_cast<UnixMillis>(version);
    d.updated_by = "v" + std::to_string(version);
    return d;
}

TEST(SqliteStoreJobs, ADesiredBatchNeverReplacesANewerVersion) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    // In one writer window: a newer single put, then an older batch (a job's),
    // and an older single put after a newer batch. Whatever order they commit
    // in, each device keeps its newest version.
    store->put_desired(desired("aa0000000001", 5, 50));
    store->put_desired_many({desired("aa0000000001", 4, 40), desired("aa0000000002", 7, 70),
                             desired("aa0000000003", 1, 10)});
    store->put_desired(desired("aa0000000002", 6, 60));
    ASSERT_TRUE(store->flush_live().ok());
    auto rows = store->load_desired();
    ASSERT_TRUE(rows);
    std::map<std::string, DesiredRecord> by_id;
    for (auto& d : *rows)
        by_id[d.device_id] = d;
    ASSERT_EQ(by_id.size(), 3u);
    EXPECT_EQ(by_id["aa0000000001"], desired("aa0000000001", 5, 50));
    EXPECT_EQ(by_id["aa0000000002"], desired("aa0000000002", 7, 70));
    EXPECT_EQ(by_id["aa0000000003"], desired("aa0000000003", 1, 10));
    // A newer single put still wins afterwards.
    store->put_desired(desired("aa0000000002", 8, 80));
    ASSERT_TRUE(store->flush_live().ok());
    auto again = store->load_desired();
    ASSERT_TRUE(again);
    for (const auto& d : *again) {
        if (d.device_id == "aa0000000002") {
            EXPECT_EQ(d.volume, 80);
        }
    }
}

}  // namespace
}  // namespace ptalk::store
