#include "store/migrations.hpp"

#include <sqlite3.h>

#include <array>

#include <gtest/gtest.h>

#include "store/sqlite.hpp"
#include "temp_dir.hpp"

namespace ptalk::store::sqlite {
namespace {

constexpr std::array<Migration, 2> two{{
    {1, "CREATE TABLE a (x INTEGER);"},
    {2, "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);"},
}};

Db open_db(const test::TempDir& dir) {
    auto db = open(dir.path() / "t.db", OpenMode::read_write_create);
    EXPECT_TRUE(db) << db.error().message;
    return std::move(*db);
}

bool has_table(sqlite3* db, const char* name) {
    auto s = Statement::prepare(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1");
    EXPECT_TRUE(s);
    s->bind(1, std::string_view(name));
    return s->step() == SQLITE_ROW;
}

TEST(Migrations, FromEmptyAppliesAllInOrder) {
    test::TempDir dir;
    Db db = open_db(dir);
    EXPECT_EQ(*schema_version(db.get()), 0);
    ASSERT_TRUE(migrate(db.get(), two).ok());
    EXPECT_EQ(*schema_version(db.get()), 2);
    EXPECT_TRUE(has_table(db.get(), "a"));
    EXPECT_TRUE(has_table(db.get(), "b"));
}

TEST(Migrations, RerunIsANoOp) {
    test::TempDir dir;
    Db db = open_db(dir);
    ASSERT_TRUE(migrate(db.get(), two).ok());
    ASSERT_TRUE(migrate(db.get(), two).ok());
    auto s = Statement::prepare(db.get(), "SELECT COUNT(*) FROM a");
    ASSERT_EQ(s->step(), SQLITE_ROW);
    EXPECT_EQ(s->int64(0), 1);  // migration 2's insert ran once
}

TEST(Migrations, UpgradesAnOlderDatabase) {
    test::TempDir dir;
    Db db = open_db(dir);
    ASSERT_TRUE(migrate(db.get(), std::span(two).first(1)).ok());
    EXPECT_EQ(*schema_version(db.get()), 1);
    ASSERT_TRUE(migrate(db.get(), two).ok());
    EXPECT_EQ(*schema_version(db.get()), 2);
}

TEST(Migrations, AppliesAMissingMigrationBelowTheNewest) {
    // Features number their migrations independently: a database that has 1
    // and 5 still gets 2 when a build that knows 2 opens it.
    test::TempDir dir;
    Db db = open_db(dir);
    constexpr std::array<Migration, 2> one_and_five{{
        {1, "CREATE TABLE a (x INTEGER);"},
        {5, "CREATE TABLE e (x INTEGER);"},
    }};
    ASSERT_TRUE(migrate(db.get(), one_and_five).ok());
    constexpr std::array<Migration, 3> with_two{{
        {1, "CREATE TABLE a (x INTEGER);"},
        {2, "CREATE TABLE b (x INTEGER);"},
        {5, "CREATE TABLE e (x INTEGER);"},
    }};
    ASSERT_TRUE(migrate(db.get(), with_two).ok());
    EXPECT_TRUE(has_table(db.get(), "b"));
    EXPECT_EQ(*schema_version(db.get()), 5);
}

TEST(Migrations, AFailingMigrationLeavesThePreviousVersion) {
    test::TempDir dir;
    Db db = open_db(dir);
    constexpr std::array<Migration, 2> broken{{
        {1, "CREATE TABLE a (x INTEGER);"},
        {2, "CREATE TABLE c (z INTEGER); THIS IS NOT SQL;"},
    }};
    Status s = migrate(db.get(), broken);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message.find("schema migration 2"), std::string::npos) << s.message;
    EXPECT_EQ(*schema_version(db.get()), 1);
    EXPECT_FALSE(has_table(db.get(), "c"));  // rolled back with its version row
}

TEST(Migrations, AppliesAVersionThatLandedBelowTheNewest) {
    // v1 and v3 applied, then a build with v2 arrives: v2 runs, v3 does not run again.
    constexpr std::array<Migration, 2> one_three{
        {{1, "CREATE TABLE a (x INTEGER)"}, {3, "CREATE TABLE c (x INTEGER)"}}};
    constexpr std::array<Migration, 3> all_three{{{1, "CREATE TABLE a (x INTEGER)"},
                                                  {2, "CREATE TABLE b (x INTEGER)"},
                                                  {3, "CREATE TABLE c (x INTEGER)"}}};
    test::TempDir dir;
    Db db = open_db(dir);
    ASSERT_TRUE(migrate(db.get(), one_three).ok());
    EXPECT_FALSE(has_table(db.get(), "b"));
    ASSERT_TRUE(migrate(db.get(), all_three).ok());
    EXPECT_TRUE(has_table(db.get(), "b"));
    EXPECT_EQ(*schema_version(db.get()), 3);
}

TEST(Migrations, RefusesANewerDatabase) {
    test::TempDir dir;
    Db db = open_db(dir);
    ASSERT_TRUE(migrate(db.get(), two).ok());
    Status s = migrate(db.get(), std::span(two).first(1));
    EXPECT_EQ(s.code, StatusCode::schema_too_new);
    EXPECT_NE(s.message.find("newer"), std::string::npos);
}

TEST(Migrations, TheBuiltInSchemaIsOrderedAndApplies) {
    const auto all = schema_migrations();
    ASSERT_FALSE(all.empty());
    // Strictly increasing; gaps are fine (branches own their version numbers).
    EXPECT_EQ(all[0].version, 1);
    for (std::size_t i = 1; i < all.size(); ++i)
        EXPECT_GT(all[i].version, all[i - 1].version);
    test::TempDir dir;
    Db db = open_db(dir);
    ASSERT_TRUE(migrate(db.get(), all).ok());
    for (const char* t : {"devices", "commands", "events", "schema_version", "firmware",
                          "desired_state", "queued_commands", "webhooks", "api_tokens",
                          "device_allowlist", "ota_updates", "rollouts"}) {
        EXPECT_TRUE(has_table(db.get(), t)) << t;
    }
}

}  // namespace
}  // namespace ptalk::store::sqlite
