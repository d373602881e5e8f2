// Firmware updates and rollouts in the SQLite file, beside the batch writer.
#include "store/sqlite_update_store.hpp"

#include <gtest/gtest.h>

#include "store_fixtures.hpp"

namespace ptalk::store {
namespace {

UpdateRecord update(std::string device, std::string state, std::uint64_t rollout = 0) {
    UpdateRecord u;
    u.device_id = std::move(device);
    u.version = "1.0.6";
    u.rollout_id = rollout;
    u.state = std::move(state);
    u.requested_by = "api";
    u.created_at = 1'700'000'000'000;
    u.updated_at = u.created_at;
    return u;
}

struct UpdateStoreTest : ::testing::Test {
    test::TempDir dir;
    std::unique_ptr<SqliteStore> main = test::open_store(dir.path());
    SqliteUpdateStore updates;
    void SetUp() override { ASSERT_TRUE(updates.open(main->file()).ok()); }
};

TEST_F(UpdateStoreTest, InsertsThenReplaces) {
    auto id = updates.put_update(update("aa", "pending"));
    ASSERT_TRUE(id) << id.error().message;
    EXPECT_GT(*id, 0u);
    auto u = update("aa", "succeeded");
    u.id = *id;
    u.attempts = 2;
    u.needs_reboot = true;
    u.error = "none";
    u.bytes_acked = 10;
    u.bytes_total = 10;
    u.finished_at = 1'700'000'000'500;
    ASSERT_EQ(*updates.put_update(u), *id);
    auto all = updates.load_updates({});
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ(all->front(), u);
}

TEST_F(UpdateStoreTest, FiltersByActivityDeviceAndRollout) {
    (void)updates.put_update(update("aa", "succeeded"));
    (void)updates.put_update(update("aa", "transferring", 7));
    (void)updates.put_update(update("bb", "pending", 7));
    (void)updates.put_update(update("cc", "failed", 8));
    EXPECT_EQ(updates.load_updates(UpdateFilter::active())->size(), 2u);
    EXPECT_EQ(updates.load_updates(UpdateFilter::device("aa"))->size(), 2u);
    EXPECT_EQ(updates.load_updates(UpdateFilter::device("aa"))->front().state, "transferring")
        << "newest first";
    EXPECT_EQ(updates.load_updates(UpdateFilter::rollout(7))->size(), 2u);
    EXPECT_EQ(updates.load_updates(UpdateFilter::device("aa", 1))->size(), 1u);
}

TEST_F(UpdateStoreTest, RolloutsRoundTrip) {
    RolloutRecord r;
    r.state = "running";
    r.spec = R"({"version":"1.0.6"})";
    r.requested_by = "api";
    r.created_at = 1;
    r.updated_at = 2;
    auto id = updates.put_rollout(r);
    ASSERT_TRUE(id);
    r.id = *id;
    r.state = "paused";
    r.reason = "failure threshold";
    ASSERT_EQ(*updates.put_rollout(r), *id);
    auto all = updates.load_rollouts();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ(all->front(), r);
}

TEST_F(UpdateStoreTest, SurvivesReopening) {
    (void)updates.put_update(update("aa", "awaiting_reboot"));
    SqliteUpdateStore again;
    ASSERT_TRUE(again.open(main->file()).ok());
    EXPECT_EQ(again.load_updates(UpdateFilter::active())->size(), 1u);
}

TEST(UpdateStore, NotOpenIsAnErrorNotACrash) {
    SqliteUpdateStore s;
    EXPECT_EQ(s.put_update({}).error().code, StatusCode::closed);
    EXPECT_EQ(s.load_rollouts().error().code, StatusCode::closed);
}

}  // namespace
}  // namespace ptalk::store
