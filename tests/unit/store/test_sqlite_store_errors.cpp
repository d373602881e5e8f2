// SqliteStore when things go wrong: bad data directories, a full or failing
// disk, and a writer killed mid-batch.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "store/sqlite_store.hpp"
#include "store_fixtures.hpp"

namespace ptalk::store {
namespace {

using namespace std::chrono_literals;
using test::command;
using test::count_rows;
using test::device;
using test::event;
using test::open_store;

Status open_status(const std::filesystem::path& dir, SqliteOptions o = {}) {
    SqliteStore store;
    Status s = store.open(dir, std::move(o));
    EXPECT_FALSE(store.is_open() && !s.ok());
    return s;
}

// chmod does not stop root, so these use paths that fail for everyone.
TEST(SqliteStoreErrors, DataDirectoryUnderARegularFile) {
    test::TempDir tmp;
    std::ofstream(tmp.path() / "file") << "x";
    const Status s = open_status(tmp.path() / "file" / "data");
    EXPECT_EQ(s.code, StatusCode::cannot_open);
    EXPECT_NE(s.message.find("cannot create data directory"), std::string::npos) << s.message;
    EXPECT_NE(s.message.find("file/data"), std::string::npos) << s.message;
}

TEST(SqliteStoreErrors, DataDirectoryIsAFile) {
    test::TempDir tmp;
    std::ofstream(tmp.path() / "file") << "x";
    const Status s = open_status(tmp.path() / "file");
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message.find("file"), std::string::npos) << s.message;
}

TEST(SqliteStoreErrors, DataDirectoryInProc) {
    const Status s = open_status("/proc/ptalk-store-test/data");
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message.find("/proc/ptalk-store-test"), std::string::npos) << s.message;
}

TEST(SqliteStoreErrors, ExistingDirectoryThatCannotBeWritten) {
    // /proc/self is a directory nobody can create files in, root included.
    const Status s = open_status("/proc/self");
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message.find("not writable"), std::string::npos) << s.message;
}

TEST(SqliteStoreErrors, DatabaseFileIsNotADatabase) {
    test::TempDir tmp;
    std::ofstream(tmp.path() / "ptalk.db") << std::string(8192, 'x');
    const Status s = open_status(tmp.path());
    EXPECT_EQ(s.code, StatusCode::corrupt) << s.message;
    EXPECT_NE(s.message.find("ptalk.db"), std::string::npos) << s.message;
}

TEST(SqliteStoreErrors, DatabaseFromANewerPtalk) {
    test::TempDir tmp;
    { auto store = open_store(tmp.path()); }
    {
        auto db = sqlite::open(tmp.path() / "ptalk.db", sqlite::OpenMode::read_write_create);
        ASSERT_TRUE(db);
        ASSERT_TRUE(sqlite::exec(db->get(), "INSERT INTO schema_version VALUES (99, 0)", "x").ok());
    }
    const Status s = open_status(tmp.path());
    EXPECT_EQ(s.code, StatusCode::schema_too_new) << s.message;
}

TEST(SqliteStoreErrors, FullDiskKeepsWritesQueuedAndReportsIt) {
    test::TempDir tmp;
    SqliteOptions o;
    o.max_page_count = 40;  // a few pages beyond the empty schema
    o.retry_min = 10ms;
    o.retry_max = 20ms;
    o.batch_window = 5ms;
    auto store = open_store(tmp.path(), o);
    store->put_command(command(1));
    ASSERT_TRUE(store->flush().ok());
    for (int i = 0; i < 200; ++i) {
        EventRecord e = event("big");
        e.data = "\"" + std::string(4000, 'x') + "\"";
        store->append_event(std::move(e));
    }
    CommandRecord c = command(1);
    c.outcome = "ok";
    store->put_command(c);

    const Status f = store->flush(300ms);
    EXPECT_EQ(f.code, StatusCode::timeout);
    EXPECT_NE(f.message.find("full"), std::string::npos) << f.message;
    EXPECT_FALSE(store->writable());
    EXPECT_EQ(store->last_error().code, StatusCode::full) << store->last_error().message;
    EXPECT_GT(store->metrics().write_errors, 0U);
    EXPECT_GT(store->metrics().queue_depth, 0U);
    // The finished command is still readable from the queue.
    EXPECT_EQ((*store->get_command(1))->outcome, "ok");

    const Status closed = store->close(100ms);
    EXPECT_EQ(closed.code, StatusCode::timeout);
    EXPECT_NE(closed.message.find("not on disk"), std::string::npos) << closed.message;
}

TEST(SqliteStoreErrors, RecoversWhenTheDiskComesBack) {
    test::TempDir tmp;
    auto failures = std::make_shared<std::atomic<int>>(2);
    SqliteOptions o;
    o.retry_min = 5ms;
    o.retry_max = 10ms;
    o.fault_injector = [failures] {
        return failures->fetch_sub(1) > 0 ? SQLITE_IOERR_WRITE : SQLITE_OK;
    };
    auto store = open_store(tmp.path(), o);
    store->put_command(command(1));
    store->upsert_device(device("aabbccddeeff"));
    ASSERT_TRUE(store->flush(5s).ok());
    EXPECT_TRUE(store->writable());
    EXPECT_TRUE(store->last_error().ok());
    EXPECT_EQ(store->metrics().write_errors, 2U);
    EXPECT_EQ(count_rows(store->file(), "commands"), 1);
    EXPECT_EQ(count_rows(store->file(), "devices"), 1);
}

TEST(SqliteStoreErrors, AtTheBoundOldestEventsGoFirstNeverDevicesOrCommands) {
    test::TempDir tmp;
    auto failing = std::make_shared<std::atomic<bool>>(true);
    SqliteOptions o;
    o.retry_min = 5ms;
    o.retry_max = 10ms;
    o.batch_window = 1ms;
    o.max_pending = 10;
    o.fault_injector = [failing] { return failing->load() ? SQLITE_READONLY : SQLITE_OK; };
    auto store = open_store(tmp.path(), o);
    for (std::uint64_t i = 1; i <= 8; ++i)
        store->put_command(command(i));
    for (int i = 0; i < 20; ++i) {
        EventRecord e = event("e");
        e.data = std::to_string(i);
        store->append_event(std::move(e));
    }
    for (int i = 0; i < 200 && store->writable(); ++i)
        std::this_thread::sleep_for(5ms);
    EXPECT_FALSE(store->writable());
    EXPECT_EQ(store->last_error().code, StatusCode::read_only);
    EXPECT_LE(store->metrics().queue_depth, 10U);
    EXPECT_EQ(store->metrics().events_dropped, 18U);

    failing->store(false);
    ASSERT_TRUE(store->flush(5s).ok());
    EXPECT_EQ(count_rows(store->file(), "commands"), 8);
    auto events = store->list_events(0, 100);
    ASSERT_TRUE(events);
    ASSERT_EQ(events->size(), 2U);
    EXPECT_EQ(events->front().data, "18");  // the newest survived
    EXPECT_EQ(events->back().data, "19");
}

// A writer killed with SIGKILL in the middle of its batches: the database
// opens, passes its integrity check, and holds everything flushed before.
TEST(SqliteStoreErrors, KilledWriterLeavesAConsistentDatabase) {
    test::TempDir tmp;
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        SqliteStore store;
        SqliteOptions o;
        o.batch_window = 1ms;
        if (!store.open(tmp.path(), o)) ::_exit(2);
        for (std::uint64_t id = 1; id < 1'000'000; ++id) {
            store.put_command(command(store.next_command_id()));
            store.append_event(event("e"));
            if (id % 200 == 0) {
                if (!store.flush()) ::_exit(3);
                // Tell the parent how many commands are known to be on disk.
                if (::write(pipe_fds[1], &id, sizeof id) != sizeof id) ::_exit(4);
            }
        }
        ::_exit(5);
    }
    ::close(pipe_fds[1]);
    std::uint64_t flushed = 0;
    for (int acks = 0; acks < 5; ++acks) {
        ASSERT_EQ(::read(pipe_fds[0], &flushed, sizeof flushed),
                  static_cast<ssize_t>(sizeof flushed));
    }
    std::this_thread::sleep_for(10ms);  // let it get into later, unflushed batches
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(pipe_fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status));

    auto store = open_store(tmp.path());
    auto db = sqlite::open(store->file(), sqlite::OpenMode::read_only);
    ASSERT_TRUE(db);
    auto check = sqlite::Statement::prepare(db->get(), "PRAGMA integrity_check");
    ASSERT_EQ(check->step(), SQLITE_ROW);
    EXPECT_EQ(check->text(0), "ok");
    const auto max_id = *store->max_command_id();
    EXPECT_GE(max_id, flushed);
    EXPECT_EQ(count_rows(store->file(), "commands"), static_cast<std::int64_t>(max_id));
    EXPECT_EQ(store->next_command_id(), max_id + 1);
}

}  // namespace
}  // namespace ptalk::store
