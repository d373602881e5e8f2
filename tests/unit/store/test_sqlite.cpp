#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace ptalk::store::sqlite {
namespace {

TEST(Sqlite, StatusFromClassifiesTheErrorsTheStoreActsOn) {
    EXPECT_TRUE(status_from(nullptr, SQLITE_OK, "x").ok());
    EXPECT_EQ(status_from(nullptr, SQLITE_FULL, "x").code, StatusCode::full);
    EXPECT_EQ(status_from(nullptr, SQLITE_READONLY, "x").code, StatusCode::read_only);
    EXPECT_EQ(status_from(nullptr, SQLITE_IOERR_WRITE, "x").code, StatusCode::io_error);
    EXPECT_EQ(status_from(nullptr, SQLITE_NOTADB, "x").code, StatusCode::corrupt);
    EXPECT_EQ(status_from(nullptr, SQLITE_CANTOPEN, "x").code, StatusCode::cannot_open);
    const Status s = status_from(nullptr, SQLITE_FULL, "cannot write");
    EXPECT_NE(s.message.find("cannot write"), std::string::npos) << s.message;
}

TEST(Sqlite, OpenInAMissingDirectoryFails) {
    test::TempDir dir;
    auto db = open(dir.path() / "no" / "such" / "t.db", OpenMode::read_write_create);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().code, StatusCode::cannot_open);
    EXPECT_NE(db.error().message.find("t.db"), std::string::npos) << db.error().message;
}

TEST(Sqlite, BindsAndReadsBack) {
    test::TempDir dir;
    auto db = open(dir.path() / "t.db", OpenMode::read_write_create);
    ASSERT_TRUE(db);
    ASSERT_TRUE(exec(db->get(), "CREATE TABLE t (a INTEGER, b TEXT, c TEXT)", "create").ok());
    auto ins = Statement::prepare(db->get(), "INSERT INTO t VALUES (?1, ?2, ?3)");
    ASSERT_TRUE(ins);
    const std::string text = "héllo";
    ins->bind(1, std::int64_t{-5});
    ins->bind(2, std::string_view(text));
    ins->bind(3, std::optional<std::string>{});
    EXPECT_EQ(ins->step(), SQLITE_DONE);
    ins->reset();

    auto sel = Statement::prepare(db->get(), "SELECT a, b, c FROM t");
    ASSERT_TRUE(sel);
    ASSERT_EQ(sel->step(), SQLITE_ROW);
    EXPECT_EQ(sel->int64(0), -5);
    EXPECT_EQ(sel->text(1), text);
    EXPECT_EQ(sel->opt_text(2), std::nullopt);
    EXPECT_EQ(sel->opt_int(0), -5);
}

TEST(Sqlite, PrepareReportsBadSql) {
    test::TempDir dir;
    auto db = open(dir.path() / "t.db", OpenMode::read_write_create);
    ASSERT_TRUE(db);
    auto s = Statement::prepare(db->get(), "SELEKT 1");
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("syntax"), std::string::npos) << s.error().message;
}

TEST(Sqlite, TransactionRollsBackUnlessCommitted) {
    test::TempDir dir;
    auto db = open(dir.path() / "t.db", OpenMode::read_write_create);
    ASSERT_TRUE(db);
    ASSERT_TRUE(exec(db->get(), "CREATE TABLE t (a INTEGER)", "create").ok());
    {
        Transaction txn(db->get());
        ASSERT_TRUE(txn.begin().ok());
        ASSERT_TRUE(exec(db->get(), "INSERT INTO t VALUES (1)", "insert").ok());
    }
    {
        Transaction txn(db->get());
        ASSERT_TRUE(txn.begin().ok());
        ASSERT_TRUE(exec(db->get(), "INSERT INTO t VALUES (2)", "insert").ok());
        ASSERT_TRUE(txn.commit().ok());
    }
    auto sel = Statement::prepare(db->get(), "SELECT group_concat(a) FROM t");
    ASSERT_EQ(sel->step(), SQLITE_ROW);
    EXPECT_EQ(sel->text(0), "2");
}

}  // namespace
}  // namespace ptalk::store::sqlite
