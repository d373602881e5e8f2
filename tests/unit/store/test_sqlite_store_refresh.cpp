// refresh_device(): a device's re-reported values wait up to the refresh window
// (coalesced), while upserts keep the batch window and their order.
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "store/sqlite_store.hpp"
#include "store_fixtures.hpp"

namespace ptalk::store {
namespace {

using namespace std::chrono_literals;
using test::device;
using test::open_store;

SqliteOptions windows(std::chrono::milliseconds batch, std::chrono::milliseconds refresh) {
    SqliteOptions o;
    o.batch_window = batch;
    o.device_refresh_window = refresh;
    return o;
}

// The row on disk, read through a connection of its own (no overlay).
struct DiskRow {
    bool found = false;
    std::optional<int> volume;
    bool online = false;
    std::int64_t last_seen = 0;
};

DiskRow on_disk(const std::filesystem::path& file, const std::string& id) {
    DiskRow r;
    auto db = sqlite::open(file, sqlite::OpenMode::read_only);
    if (!db) return r;
    auto s = sqlite::Statement::prepare(
        db->get(), "SELECT volume, online, last_seen FROM devices WHERE id = ?1");
    if (!s) return r;
    s->bind(1, std::string_view(id));
    if (s->step() != SQLITE_ROW) return r;
    r.found = true;
    r.volume = s->opt_int(0);
    r.online = s->int64(1) != 0;
    r.last_seen = s->int64(2);
    return r;
}

DeviceRecord reported(const std::string& id, int volume, UnixMillis seen) {
    DeviceRecord d = device(id, seen);
    d.first_seen = 0;  // not given: a refresh never claims a first sighting
    d.volume = volume;
    return d;
}

// A store in which device `id` already has its row on disk.
std::unique_ptr<SqliteStore> with_row(const test::TempDir& tmp, const std::string& id,
                                      SqliteOptions options) {
    auto store = open_store(tmp.path(), std::move(options));
    store->upsert_device(device(id, 1000));
    EXPECT_TRUE(store->flush().ok());
    return store;
}

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds limit = 5s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (f()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return f();
}

TEST(SqliteStoreRefresh, WaitsForItsWindowThenOneRowCarriesTheLast) {
    test::TempDir tmp;
    auto store = with_row(tmp, "000000000001", windows(10ms, 400ms));
    const auto start = std::chrono::steady_clock::now();
    for (int v = 1; v <= 20; ++v)
        store->refresh_device(reported("000000000001", v, 1000 + v));
    // Readers see it at once; the disk does not, for most of the window.
    auto devices = store->load_devices();
    ASSERT_TRUE(devices);
    ASSERT_EQ(devices->size(), 1U);
    EXPECT_EQ(devices->front().volume, 20);
    std::this_thread::sleep_for(100ms);
    if (std::chrono::steady_clock::now() - start < 350ms) {
        EXPECT_FALSE(on_disk(store->file(), "000000000001").volume.has_value());
    }
    ASSERT_TRUE(eventually([&] { return on_disk(store->file(), "000000000001").volume == 20; }));
    const auto row = on_disk(store->file(), "000000000001");
    EXPECT_EQ(row.last_seen, 1020);
    EXPECT_TRUE(row.online);
    EXPECT_GE(store->metrics().coalesced, 19U);
}

TEST(SqliteStoreRefresh, AnUpsertAfterARefreshKeepsTheOrderAndTheBatchWindow) {
    test::TempDir tmp;
    auto store = with_row(tmp, "000000000001", windows(10ms, 1h));
    store->refresh_device(reported("000000000001", 42, 1100));
    DeviceRecord gone = device("000000000001", 1200);
    gone.first_seen = 0;
    gone.online = false;
    store->upsert_device(gone);
    // Written within the batch window, not the hour: the refresh went ahead of it.
    ASSERT_TRUE(eventually([&] { return !on_disk(store->file(), "000000000001").online; }));
    const auto row = on_disk(store->file(), "000000000001");
    EXPECT_EQ(row.volume, 42);
    EXPECT_EQ(row.last_seen, 1200);
}

TEST(SqliteStoreRefresh, ARefreshRidesWithAWaitingUpsert) {
    test::TempDir tmp;
    auto store = open_store(tmp.path(), windows(300ms, 1h));
    store->upsert_device(device("000000000002", 1000));
    store->refresh_device(reported("000000000002", 7, 1001));
    ASSERT_TRUE(eventually([&] { return on_disk(store->file(), "000000000002").volume == 7; }));
}

TEST(SqliteStoreRefresh, AnotherWriteDoesNotWaitForARefreshWindow) {
    test::TempDir tmp;
    auto store = open_store(tmp.path(), windows(10ms, 1h));
    store->refresh_device(reported("000000000003", 7, 1001));
    std::this_thread::sleep_for(30ms);  // the writer now sleeps towards the hour
    store->upsert_device(device("000000000004", 1000));
    EXPECT_TRUE(eventually([&] { return on_disk(store->file(), "000000000004").found; }, 2s));
    EXPECT_FALSE(on_disk(store->file(), "000000000003").found);
}

TEST(SqliteStoreRefresh, FlushAndCloseWriteWaitingRefreshes) {
    test::TempDir tmp;
    {
        auto store = with_row(tmp, "000000000005", windows(10ms, 1h));
        store->refresh_device(reported("000000000005", 11, 1001));
        EXPECT_EQ(store->metrics().queue_depth, 1U);
        ASSERT_TRUE(store->flush().ok());
        EXPECT_EQ(on_disk(store->file(), "000000000005").volume, 11);
        store->refresh_device(reported("000000000005", 12, 1002));
        ASSERT_TRUE(store->close().ok());
    }
    EXPECT_EQ(on_disk(tmp.path() / "ptalk.db", "000000000005").volume, 12);
}

}  // namespace
}  // namespace ptalk::store
