#include "store/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/migrations.hpp"
#include "store/sqlite_reader.hpp"
#include "store_fixtures.hpp"

namespace ptalk::store {
namespace {

using namespace std::chrono_literals;
using test::command;
using test::count_rows;
using test::device;
using test::event;
using test::open_store;
using test::query_texts;

// Nothing is written by the window alone during a test that uses this.
SqliteOptions slow_window() {
    SqliteOptions o;
    o.batch_window = 10min;
    return o;
}

TEST(SqliteStore, OpenCreatesTheDirectoryAndAWalDatabase) {
    test::TempDir tmp;
    const auto dir = tmp.path() / "a" / "b";
    auto store = open_store(dir);
    EXPECT_TRUE(store->is_open());
    EXPECT_TRUE(store->writable());
    EXPECT_TRUE(std::filesystem::exists(dir / "ptalk.db"));
    EXPECT_EQ(store->file(), dir / "ptalk.db");

    auto db = sqlite::open(dir / "ptalk.db", sqlite::OpenMode::read_only);
    ASSERT_TRUE(db);
    auto mode = sqlite::Statement::prepare(db->get(), "PRAGMA journal_mode");
    ASSERT_EQ(mode->step(), SQLITE_ROW);
    EXPECT_EQ(mode->text(0), "wal");
    auto version = sqlite::Statement::prepare(db->get(), "SELECT MAX(version) FROM schema_version");
    ASSERT_EQ(version->step(), SQLITE_ROW);
    EXPECT_EQ(version->int64(0), sqlite::schema_migrations().back().version);
}

TEST(SqliteStore, ReopenKeepsSchemaAndData) {
    test::TempDir tmp;
    {
        auto store = open_store(tmp.path());
        store->upsert_device(device("aabbccddeeff"));
        EXPECT_TRUE(store->close().ok());
    }
    auto store = open_store(tmp.path());
    auto devices = store->load_devices();
    ASSERT_TRUE(devices);
    ASSERT_EQ(devices->size(), 1U);
    // Each migration recorded once: none ran again.
    EXPECT_EQ(count_rows(store->file(), "schema_version"),
              static_cast<std::int64_t>(sqlite::schema_migrations().size()));
}

TEST(SqliteStore, DeviceRoundTrip) {
    test::TempDir tmp;
    DeviceRecord d = device("24a160ff3b9c", 1000);
    d.name = "Kitchen";
    d.firmware_version = "1.0.1";
    d.battery_percent = 85;
    d.connectivity_state = "ONLINE";
    d.volume = 60;
    d.brightness = 100;
    d.uptime_sec = 12345;
    d.remote_addr = "10.0.0.7:51000";
    d.last_seen = 2000;
    d.last_handshake = 1500;
    {
        auto store = open_store(tmp.path());
        store->upsert_device(d);
        store->upsert_device(device("000000000001"));
    }  // the destructor drains
    auto store = open_store(tmp.path());
    auto devices = store->load_devices();
    ASSERT_TRUE(devices);
    ASSERT_EQ(devices->size(), 2U);
    EXPECT_EQ(devices->at(1), d);  // ordered by id
}

TEST(SqliteStore, AnUpsertNeverErasesWhatIsKnown) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    DeviceRecord full = device("aabbccddeeff", 1000);
    full.name = "Kitchen";
    full.volume = 30;
    store->upsert_device(full);
    ASSERT_TRUE(store->flush().ok());

    DeviceRecord partial = device("aabbccddeeff", 5000);
    partial.online = false;
    partial.brightness = 70;
    store->upsert_device(partial);
    ASSERT_TRUE(store->flush().ok());

    auto devices = store->load_devices();
    ASSERT_TRUE(devices);
    ASSERT_EQ(devices->size(), 1U);
    const DeviceRecord& got = devices->front();
    EXPECT_EQ(got.name, "Kitchen");
    EXPECT_EQ(got.volume, 30);
    EXPECT_EQ(got.brightness, 70);
    EXPECT_FALSE(got.online);
    EXPECT_EQ(got.first_seen, 1000);
    EXPECT_EQ(got.last_seen, 5000);
}

TEST(SqliteStore, CommandIsInsertedThenUpdated) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    CommandRecord c = command(store->next_command_id());
    store->put_command(c);
    ASSERT_TRUE(store->flush().ok());
    auto got = store->get_command(c.id);
    ASSERT_TRUE(got);
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, c);
    EXPECT_EQ((*got)->outcome, std::nullopt);

    c.sent_at = c.queued_at + 1;
    c.finished_at = c.queued_at + 40;
    c.outcome = "ok";
    c.reply = R"({"status":"ok","volume":30})";
    c.latency_ms = 39;
    store->put_command(c);
    ASSERT_TRUE(store->flush().ok());
    got = store->get_command(c.id);
    ASSERT_TRUE(got && got->has_value());
    EXPECT_EQ(**got, c);
    EXPECT_EQ(count_rows(store->file(), "commands"), 1);

    auto missing = store->get_command(999);
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->has_value());
}

TEST(SqliteStore, ReadsSeeQueuedWritesBeforeTheyAreCommitted) {
    test::TempDir tmp;
    auto store = open_store(tmp.path(), slow_window());
    store->put_command(command(1));
    store->upsert_device(device("aabbccddeeff"));
    EXPECT_EQ(count_rows(store->file(), "commands"), 0);  // still queued

    auto got = store->get_command(1);
    ASSERT_TRUE(got && got->has_value());
    auto listed = store->list_commands(std::nullopt, 0, 10);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1U);
    auto devices = store->load_devices();
    ASSERT_TRUE(devices);
    EXPECT_EQ(devices->size(), 1U);
    EXPECT_EQ(*store->max_command_id(), 1U);
}

TEST(SqliteStore, CoalescesRepeatedWritesWithinABatch) {
    test::TempDir tmp;
    auto store = open_store(tmp.path(), slow_window());
    for (int i = 1; i <= 100; ++i) {
        DeviceRecord d = device("aabbccddeeff", 1000 + i);
        d.volume = i;
        store->upsert_device(d);
    }
    CommandRecord c = command(1);
    store->put_command(c);
    c.outcome = "timeout";
    store->put_command(c);
    EXPECT_EQ(store->metrics().queue_depth, 2U);
    ASSERT_TRUE(store->flush().ok());

    const StoreMetrics m = store->metrics();
    EXPECT_EQ(m.coalesced, 100U);
    EXPECT_EQ(m.rows_written, 2U);
    EXPECT_EQ(m.batches, 1U);
    EXPECT_EQ(m.queue_depth, 0U);
    auto devices = store->load_devices();
    ASSERT_TRUE(devices);
    EXPECT_EQ(devices->front().volume, 100);
    EXPECT_EQ(devices->front().last_seen, 1100);
    EXPECT_EQ((*store->get_command(1))->outcome, "timeout");
}

TEST(SqliteStore, ListCommandsPagesNewestFirstWithACursor) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    for (std::uint64_t i = 1; i <= 25; ++i) {
        store->put_command(command(i, i % 2 == 0 ? "000000000002" : "000000000001"));
    }
    ASSERT_TRUE(store->flush().ok());
    // A few more still queued: the pages must include them in order.
    store->put_command(command(26, "000000000002"));

    std::vector<std::uint64_t> seen;
    std::uint64_t cursor = 0;
    for (;;) {
        auto page = store->list_commands("000000000002", cursor, 5);
        ASSERT_TRUE(page) << page.error().message;
        if (page->empty()) break;
        for (const auto& c : *page) {
            EXPECT_EQ(c.device_id, "000000000002");
            seen.push_back(c.id);
        }
        cursor = page->back().id;
    }
    const std::vector<std::uint64_t> want{26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2};
    EXPECT_EQ(seen, want);

    auto all = store->list_commands(std::nullopt, 10, 3);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 3U);
    EXPECT_EQ(all->at(0).id, 9U);
    EXPECT_EQ(all->at(2).id, 7U);
}

// Migration 8 indexes a device's history by id bucket (2^14 ids): a history
// spread over buckets far apart, some of them empty for this device, still
// pages newest first without a gap or a repeat.
TEST(SqliteStore, DeviceHistorySpansIdBuckets) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    constexpr std::uint64_t bucket = 1U << sqlite::command_bucket_shift;
    const std::vector<std::uint64_t> mine{3,          bucket - 1,     bucket,
                                          bucket + 7, 5 * bucket + 2, 9 * bucket};
    for (std::uint64_t id : mine)
        store->put_command(command(id, "000000000001"));
    for (std::uint64_t id : {std::uint64_t{4}, bucket + 1, 7 * bucket, 12 * bucket})
        store->put_command(command(id, "000000000002"));
    ASSERT_TRUE(store->flush().ok());

    std::vector<std::uint64_t> seen;
    std::uint64_t cursor = 0;
    for (int pages = 0; pages < 10; ++pages) {
        auto page = store->list_commands("000000000001", cursor, 4);
        ASSERT_TRUE(page) << page.error().message;
        if (page->empty()) break;
        for (const auto& c : *page) {
            EXPECT_EQ(c.device_id, "000000000001");
            seen.push_back(c.id);
        }
        cursor = page->back().id;
    }
    EXPECT_EQ(seen, std::vector<std::uint64_t>(mine.rbegin(), mine.rend()));
    // A cursor in the middle of a bucket, and one below everything.
    auto mid = store->list_commands("000000000001", bucket + 7, 2);
    ASSERT_TRUE(mid);
    ASSERT_EQ(mid->size(), 2U);
    EXPECT_EQ(mid->at(0).id, bucket);
    EXPECT_EQ(mid->at(1).id, bucket - 1);
    auto none = store->list_commands("000000000001", 3, 5);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    auto unknown = store->list_commands("0000000000ff", 0, 5);
    ASSERT_TRUE(unknown);
    EXPECT_TRUE(unknown->empty());
}

// The history query must be an index seek, not a scan of the audit log.
TEST(SqliteStore, DeviceHistoryQueryUsesTheBucketIndex) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    ASSERT_TRUE(store->close().ok());
    const auto plan =
        query_texts(tmp.path() / "ptalk.db",
                    "EXPLAIN QUERY PLAN SELECT * FROM commands WHERE (id >> " +
                        std::to_string(sqlite::command_bucket_shift) +
                        ") = ?4 AND device_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                    3);
    ASSERT_FALSE(plan.empty());
    EXPECT_NE(plan[0].find("INDEX commands_by_bucket_device (<expr>=? AND device_id=?"),
              std::string::npos)
        << plan[0];
}

// A database from before migration 8 keeps its audit log: the new index is
// built from the rows already there, and the old one is gone.
TEST(SqliteStore, MigrationEightIndexesAnExistingAuditLog) {
    test::TempDir tmp;
    {
        auto db = sqlite::open(tmp.path() / "ptalk.db", sqlite::OpenMode::read_write_create);
        ASSERT_TRUE(db);
        const auto before_eight = sqlite::schema_migrations().first(7);
        ASSERT_EQ(before_eight.back().version, 7);
        ASSERT_TRUE(sqlite::migrate(db->get(), before_eight).ok());
        ASSERT_TRUE(sqlite::exec(db->get(),
                                 "INSERT INTO commands (id, device_id, cmd, queued_at) VALUES "
                                 "(5, '000000000001', 'set_volume', 1), "
                                 "(6, '000000000002', 'set_volume', 2), "
                                 "(40000, '000000000001', 'reboot', 3)",
                                 "seed")
                        .ok());
    }
    auto store = open_store(tmp.path());
    auto history = store->list_commands("000000000001", 0, 10);
    ASSERT_TRUE(history) << history.error().message;
    ASSERT_EQ(history->size(), 2U);
    EXPECT_EQ(history->at(0).id, 40000U);
    EXPECT_EQ(history->at(1).id, 5U);
    ASSERT_TRUE(store->close().ok());
    EXPECT_EQ(query_texts(tmp.path() / "ptalk.db",
                          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                          "'commands'"),
              (std::vector<std::string>{"commands_by_bucket_device", "commands_unfinished"}));
}

// A crash leaves the commands that were queued or in flight without an outcome.
// The next open ends them `interrupted`; a command kept for an offline device
// (queued_commands) is still to be sent and stays as it is; finished ones keep theirs.
TEST(SqliteStore, OpeningAfterACrashEndsUnfinishedCommandsInterrupted) {
    test::TempDir tmp;
    {
        auto store = open_store(tmp.path());
        store->put_command(command(7, "000000000001"));  // in flight at the "crash"
        auto done = command(8, "000000000001");
        done.outcome = "ok";
        done.finished_at = 1'700'000'000'100;
        store->put_command(done);
        store->put_command(command(9, "000000000002"));  // kept for an offline device
        QueuedCommand q;
        q.id = 9;
        q.device_id = "000000000002";
        q.cmd = "set_volume";
        q.queued_at = 1'700'000'000'009;
        q.expires_at = 1'900'000'000'000;
        store->put_queued_command(q);
        ASSERT_TRUE(store->close().ok());
    }
    const auto before = unix_millis_now();
    auto store = open_store(tmp.path());
    auto seven = store->get_command(7);
    ASSERT_TRUE(seven && *seven);
    EXPECT_EQ((*seven)->outcome, "interrupted");
    ASSERT_TRUE((*seven)->finished_at);
    EXPECT_GE(*(*seven)->finished_at, before);
    auto eight = store->get_command(8);
    ASSERT_TRUE(eight && *eight);
    EXPECT_EQ((*eight)->outcome, "ok");
    EXPECT_EQ((*eight)->finished_at, 1'700'000'000'100);
    auto nine = store->get_command(9);
    ASSERT_TRUE(nine && *nine);
    EXPECT_FALSE((*nine)->outcome);
    ASSERT_TRUE(store->close().ok());
    // Only unfinished commands are in the partial index, so the open did not scan.
    const auto plan =
        query_texts(tmp.path() / "ptalk.db",
                    "EXPLAIN QUERY PLAN SELECT id FROM commands WHERE outcome IS NULL", 3);
    ASSERT_FALSE(plan.empty());
    EXPECT_NE(plan[0].find("commands_unfinished"), std::string::npos) << plan[0];
}

// A command written when queued and again when finished (two batches) is one
// row with the finished fields.
TEST(SqliteStore, ACommandWrittenTwiceIsUpdatedInPlace) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    store->put_command(command(7, "000000000001"));
    ASSERT_TRUE(store->flush().ok());
    auto done = command(7, "000000000001");
    done.sent_at = done.queued_at + 1;
    done.finished_at = done.queued_at + 5;
    done.outcome = "ok";
    done.reply = R"({"status":"ok"})";
    done.latency_ms = 4;
    store->put_command(done);
    ASSERT_TRUE(store->flush().ok());
    EXPECT_EQ(test::count_rows(store->file(), "commands"), 1);
    auto got = store->list_commands("000000000001", 0, 5);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 1U);
    EXPECT_EQ(got->front().outcome, "ok");
    EXPECT_EQ(got->front().latency_ms, 4);
    EXPECT_EQ(got->front().reply, R"({"status":"ok"})");
}

TEST(SqliteStore, EventsAfterAnIdWithFilters) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    for (int i = 0; i < 10; ++i) {
        store->append_event(event(i % 3 == 0 ? "handshake" : "stale_reply",
                                  i % 2 == 0 ? "000000000001" : "000000000002"));
    }
    store->append_event(event("server_start"));
    ASSERT_TRUE(store->flush().ok());

    auto first = store->list_events(0, 4);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 4U);
    EXPECT_EQ(first->front().id, 1U);
    auto rest = store->list_events(first->back().id, 100);
    ASSERT_TRUE(rest);
    ASSERT_EQ(rest->size(), 7U);
    EXPECT_EQ(rest->front().id, 5U);
    EXPECT_EQ(rest->back().type, "server_start");
    EXPECT_EQ(rest->back().device_id, std::nullopt);

    auto handshakes = store->list_events(0, 100, {.device_id = std::nullopt, .type = "handshake"});
    ASSERT_TRUE(handshakes);
    EXPECT_EQ(handshakes->size(), 4U);  // i = 0, 3, 6, 9
    auto of_one = store->list_events(0, 100, {.device_id = "000000000002", .type = "handshake"});
    ASSERT_TRUE(of_one);
    ASSERT_EQ(of_one->size(), 2U);  // i = 3, 9
    EXPECT_EQ(of_one->front().id, 4U);
}

TEST(SqliteStore, FlushPutsEverythingQueuedOnDisk) {
    test::TempDir tmp;
    auto store = open_store(tmp.path(), slow_window());
    for (std::uint64_t i = 1; i <= 50; ++i)
        store->put_command(command(i));
    for (int i = 0; i < 50; ++i)
        store->append_event(event("x"));
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(store->flush(5s).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // did not wait for the window
    EXPECT_EQ(count_rows(store->file(), "commands"), 50);
    EXPECT_EQ(count_rows(store->file(), "events"), 50);
    EXPECT_TRUE(store->flush().ok());  // nothing queued: returns at once
}

TEST(SqliteStore, ABatchIsWrittenWhenTheWindowEnds) {
    test::TempDir tmp;
    SqliteOptions o;
    o.batch_window = 20ms;
    auto store = open_store(tmp.path(), o);
    store->put_command(command(1));
    for (int i = 0; i < 200 && store->metrics().batches == 0; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(store->metrics().batches, 1U);
    EXPECT_EQ(count_rows(store->file(), "commands"), 1);
}

TEST(SqliteStore, ABatchIsWrittenEarlyWhenEnoughWritesWait) {
    test::TempDir tmp;
    SqliteOptions o = slow_window();
    o.batch_max_items = 10;
    auto store = open_store(tmp.path(), o);
    for (int i = 0; i < 10; ++i)
        store->append_event(event("x"));
    for (int i = 0; i < 200 && store->metrics().batches == 0; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(store->metrics().batches, 1U);
    EXPECT_EQ(store->metrics().rows_written, 10U);
}

TEST(SqliteStore, CommandIdsContinueAfterReopen) {
    test::TempDir tmp;
    {
        auto store = open_store(tmp.path());
        EXPECT_EQ(store->next_command_id(), 1U);
        EXPECT_EQ(store->next_command_id(), 2U);
        store->put_command(command(2));
        const std::uint64_t third = store->next_command_id();
        EXPECT_EQ(third, 3U);
        store->put_command(command(third));
    }
    auto store = open_store(tmp.path());
    EXPECT_EQ(*store->max_command_id(), 3U);
    EXPECT_EQ(store->next_command_id(), 4U);
}

TEST(SqliteStore, CloseIsIdempotentAndLaterCallsAreHarmless) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    store->put_command(command(1));
    EXPECT_TRUE(store->close().ok());
    EXPECT_TRUE(store->close().ok());
    EXPECT_FALSE(store->is_open());
    EXPECT_FALSE(store->writable());
    store->put_command(command(2));  // ignored, no crash
    EXPECT_EQ(store->flush().code, StatusCode::closed);
    EXPECT_EQ(store->get_command(1).error().code, StatusCode::closed);
    EXPECT_EQ(count_rows(tmp.path() / "ptalk.db", "commands"), 1);
    // And it can be opened again.
    ASSERT_TRUE(store->open(tmp.path()).ok());
    EXPECT_EQ(store->next_command_id(), 2U);
}

TEST(SqliteStore, ManyWritersAndAReader) {
    test::TempDir tmp;
    SqliteOptions o;
    o.batch_window = 5ms;
    o.batch_max_items = 100;
    auto store = open_store(tmp.path(), o);
    constexpr int writers = 6;
    constexpr int per_writer = 400;
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0};
    std::thread reader([&] {
        while (!stop.load()) {
            auto page = store->list_commands(std::nullopt, 0, 50);
            EXPECT_TRUE(page);
            if (page && !page->empty()) {
                EXPECT_TRUE(store->get_command(page->front().id));
            }
            EXPECT_TRUE(store->load_devices());
            EXPECT_TRUE(store->list_events(0, 20));
            ++reads;
        }
    });
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            const std::string id = "00000000000" + std::to_string(w);
            for (int i = 0; i < per_writer; ++i) {
                CommandRecord c = command(store->next_command_id(), id);
                store->put_command(c);
                c.outcome = "ok";
                store->put_command(c);
                store->upsert_device(device(id, 1000 + i));
                store->append_event(event("command", id));
            }
        });
    }
    for (auto& t : threads)
        t.join();
    ASSERT_TRUE(store->flush().ok());
    stop = true;
    reader.join();
    EXPECT_GT(reads.load(), 0);

    auto all = store->list_commands(std::nullopt, 0, writers * per_writer + 10);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), static_cast<std::size_t>(writers * per_writer));
    std::set<std::uint64_t> ids;
    for (const auto& c : *all) {
        ids.insert(c.id);
        EXPECT_EQ(c.outcome, "ok");
    }
    EXPECT_EQ(ids.size(), all->size());
    EXPECT_EQ(*ids.rbegin(), static_cast<std::uint64_t>(writers * per_writer));
    EXPECT_EQ(count_rows(store->file(), "events"), writers * per_writer);
    auto devices = store->load_devices();
    ASSERT_TRUE(devices);
    EXPECT_EQ(devices->size(), static_cast<std::size_t>(writers));
    for (const auto& d : *devices)
        EXPECT_EQ(d.last_seen, 1000 + per_writer - 1);
}

// What `top -H` and `ps -L` show for this process's threads.
std::multiset<std::string> thread_names() {
    std::multiset<std::string> names;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        if (std::getline(comm, name)) names.insert(name);
    }
    return names;
}

TEST(SqliteStore, ItsWriterThreadsAreNamedAndGoneAfterClose) {
    test::TempDir tmp;
    auto store = open_store(tmp.path());
    auto names = thread_names();
    EXPECT_EQ(names.count("store-writer"), 1U);
    EXPECT_EQ(names.count("store-keyed"), 1U);
    store->close();
    names = thread_names();
    EXPECT_EQ(names.count("store-writer"), 0U);
    EXPECT_EQ(names.count("store-keyed"), 0U);
}

}  // namespace
}  // namespace ptalk::store
