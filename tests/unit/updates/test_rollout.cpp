// A rollout stepped by hand: batches, the concurrency cap, offline devices,
// the failure threshold, pause/resume/cancel, the end.
#include "updates/rollout.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ptalk::updates {
namespace {

using Ids = std::vector<std::string>;

RolloutPlan plan(std::size_t n, std::size_t batch, std::size_t concurrent, double threshold = 50) {
    RolloutPlan p;
    p.version = "1.0.6";
    for (std::size_t i = 0; i < n; ++i)
        p.devices.push_back("d" + std::to_string(i));
    p.batch_size = batch;
    p.max_concurrent = concurrent;
    p.failure_threshold_percent = threshold;
    return p;
}

auto all_online = [](const std::string&) { return true; };

void finish(Rollout& r, const Ids& ids, std::string_view state = "succeeded") {
    for (const auto& id : ids)
        r.set_member_state(id, state);
}

TEST(Rollout, BatchSizeFromCountOrPercent) {
    EXPECT_EQ(batch_size_for(200, std::nullopt, 20.0), 40u);
    EXPECT_EQ(batch_size_for(7, std::nullopt, 10.0), 1u);
    EXPECT_EQ(batch_size_for(7, 3, 50.0), 3u) << "a count wins";
    EXPECT_EQ(batch_size_for(7, std::nullopt, std::nullopt), 7u) << "one batch";
    EXPECT_EQ(batch_size_for(0, std::nullopt, std::nullopt), 1u);
}

TEST(Rollout, NothingStartsUntilStarted) {
    Rollout r(plan(4, 2, 10));
    EXPECT_TRUE(r.next(all_online).empty());
    ASSERT_TRUE(r.start());
    EXPECT_FALSE(r.start());
    EXPECT_EQ(r.next(all_online), (Ids{"d0", "d1"}));
}

TEST(Rollout, TheNextBatchWaitsForTheOneBefore) {
    Rollout r(plan(5, 2, 10));
    ASSERT_TRUE(r.start());
    EXPECT_EQ(r.next(all_online), (Ids{"d0", "d1"}));
    finish(r, {"d0"});
    EXPECT_TRUE(r.next(all_online).empty()) << "d1 still runs";
    finish(r, {"d1"});
    EXPECT_EQ(r.next(all_online), (Ids{"d2", "d3"}));
    finish(r, {"d2", "d3"});
    EXPECT_EQ(r.next(all_online), (Ids{"d4"}));
    EXPECT_EQ(r.released_batches(), 3u);
    finish(r, {"d4"});
    EXPECT_TRUE(r.next(all_online).empty());
    EXPECT_EQ(r.state(), RolloutState::completed);
}

TEST(Rollout, ALateReportOfAnEarlierStepDoesNotUndoAFinishedMember) {
    Rollout r(plan(2, 1, 1));
    ASSERT_TRUE(r.start());
    EXPECT_EQ(r.next(all_online), (Ids{"d0"}));
    r.set_member_state("d0", "succeeded");
    r.set_member_state("d0", "awaiting_reboot");  // reported on another thread, arrived late
    EXPECT_EQ(r.member_state("d0"), "succeeded");
    EXPECT_EQ(r.next(all_online), (Ids{"d1"})) << "the rollout goes on";
}

TEST(Rollout, ConcurrencyIsCapped) {
    Rollout r(plan(6, 6, 2));
    ASSERT_TRUE(r.start());
    EXPECT_EQ(r.next(all_online), (Ids{"d0", "d1"}));
    EXPECT_TRUE(r.next(all_online).empty());
    finish(r, {"d0"});
    EXPECT_EQ(r.next(all_online), (Ids{"d2"}));
}

TEST(Rollout, OfflineDevicesWaitWithoutHoldingTheRollout) {
    Rollout r(plan(4, 2, 10));
    ASSERT_TRUE(r.start());
    std::set<std::string> online{"d0", "d2", "d3"};
    auto is_online = [&](const std::string& id) { return online.contains(id); };
    EXPECT_EQ(r.next(is_online), (Ids{"d0"}));
    finish(r, {"d0"});
    EXPECT_EQ(r.next(is_online), (Ids{"d2", "d3"})) << "d1 is away: the next batch goes";
    finish(r, {"d2", "d3"});
    EXPECT_TRUE(r.next(is_online).empty());
    EXPECT_EQ(r.state(), RolloutState::running) << "d1 is still to be updated";
    online.insert("d1");
    EXPECT_EQ(r.next(is_online), (Ids{"d1"})) << "updated when it comes back";
    finish(r, {"d1"});
    (void)r.next(is_online);
    EXPECT_EQ(r.state(), RolloutState::completed);
}

TEST(Rollout, SkippedDevicesCountAsDone) {
    auto p = plan(2, 1, 1);
    p.skipped = {"already"};
    Rollout r(p);
    EXPECT_EQ(r.member_state("already"), "skipped");
    EXPECT_EQ(r.counts().total, 3u);
    ASSERT_TRUE(r.start());
    finish(r, r.next(all_online));
    finish(r, r.next(all_online));
    (void)r.next(all_online);
    EXPECT_EQ(r.state(), RolloutState::completed);
}

TEST(Rollout, FailuresOverTheThresholdPause) {
    Rollout r(plan(200, 40, 40, 5));
    ASSERT_TRUE(r.start());
    auto first = r.next(all_online);
    ASSERT_EQ(first.size(), 40u);
    for (std::size_t i = 0; i < 5; ++i)
        r.set_member_state(first[i], "succeeded");
    r.set_member_state(first[5], "failed");
    EXPECT_FALSE(r.check_threshold()) << "1 of 6: too few finished to judge";
    for (std::size_t i = 6; i < 10; ++i)
        r.set_member_state(first[i], "succeeded");
    EXPECT_TRUE(r.check_threshold()) << "1 of 10 = 10% > 5%";
    EXPECT_EQ(r.state(), RolloutState::paused);
    EXPECT_NE(r.reason().find("failure threshold"), std::string::npos) << r.reason();
    EXPECT_TRUE(r.next(all_online).empty()) << "nothing new starts while paused";
}

TEST(Rollout, UnderTheThresholdCarriesOn) {
    Rollout r(plan(20, 20, 20, 10));
    ASSERT_TRUE(r.start());
    auto ids = r.next(all_online);
    finish(r, Ids(ids.begin(), ids.begin() + 19));
    r.set_member_state(ids[19], "failed");
    EXPECT_FALSE(r.check_threshold()) << "1 of 20 = 5%";
}

TEST(Rollout, PauseResumeCancel) {
    Rollout r(plan(4, 1, 1));
    ASSERT_TRUE(r.start());
    EXPECT_EQ(r.next(all_online).size(), 1u);
    EXPECT_TRUE(r.pause("by hand"));
    EXPECT_FALSE(r.pause("again"));
    finish(r, {"d0"});
    EXPECT_TRUE(r.next(all_online).empty());
    EXPECT_TRUE(r.resume());
    EXPECT_EQ(r.next(all_online), (Ids{"d1"}));
    EXPECT_TRUE(r.cancel("enough"));
    EXPECT_EQ(r.state(), RolloutState::cancelled);
    EXPECT_TRUE(r.next(all_online).empty());
    EXPECT_FALSE(r.resume());
    EXPECT_FALSE(r.cancel("twice"));
}

TEST(Rollout, RestoresWhereItWas) {
    Rollout r(plan(4, 2, 10));
    r.restore(RolloutState::running, 2, "");
    r.set_member_state("d0", "succeeded");
    r.set_member_state("d1", "succeeded");
    r.set_member_state("d2", "transferring");
    EXPECT_EQ(r.next(all_online), (Ids{"d3"}));
}

TEST(Rollout, StateNamesRoundTrip) {
    for (auto s : {RolloutState::planned, RolloutState::running, RolloutState::paused,
                   RolloutState::completed, RolloutState::cancelled})
        EXPECT_EQ(rollout_state_from_string(to_string(s)), s);
}

}  // namespace
}  // namespace ptalk::updates
