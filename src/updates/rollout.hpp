#pragma once
// A staged fleet update as an I/O-free state machine: the target devices cut
// into batches, a cap on updates running at once, and a failure threshold that
// pauses it. The rollout manager feeds it the updates' states and who is
// online, and starts what it says.
//
//   planned ─start─▶ running ─(threshold | by hand)─▶ paused ─resume─▶ running
//                       │                               │
//                       └──── all done ─▶ completed     └─cancel─▶ cancelled
//
// A batch is released when the one before has nothing left running; devices
// offline when their batch comes wait and are updated when they come back,
// while the rollout runs. The threshold compares failed with finished updates,
// judged once min(batch size, 10) have finished, so one early failure among
// two does not stop a fleet.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ptalk::updates {

enum class RolloutState { planned, running, paused, completed, cancelled };
[[nodiscard]] std::string_view to_string(RolloutState s) noexcept;
[[nodiscard]] std::optional<RolloutState> rollout_state_from_string(std::string_view s) noexcept;

struct RolloutPlan {
    std::string version;
    std::vector<std::string> devices;  // in rollout order
    std::vector<std::string> skipped;  // already on the version
    std::size_t batch_size = 1;
    std::size_t max_concurrent = 10;
    double failure_threshold_percent = 10;
};

// Batch size from a count or a percentage of the devices (at least 1).
[[nodiscard]] std::size_t batch_size_for(std::size_t devices, std::optional<std::size_t> size,
                                         std::optional<double> percent) noexcept;

struct RolloutCounts {
    std::map<std::string, std::size_t> by_state;  // member state -> devices
    std::size_t total = 0;
    std::size_t finished = 0;  // succeeded + failed + cancelled
    std::size_t failed = 0;
    std::size_t running = 0;  // started and not finished
};

class Rollout {
  public:
    explicit Rollout(RolloutPlan plan);

    // Member states are the update states ("pending", ..., "succeeded") plus
    // "waiting" (not started yet), "skipped" (already on the version) and
    // "low_battery" (refused by the battery floor when its turn came). A
    // finished member's state is final: a late report of an earlier step is ignored.
    void set_member_state(const std::string& device, std::string_view state);

    [[nodiscard]] bool start();  // planned -> running
    [[nodiscard]] bool pause(std::string reason);
    [[nodiscard]] bool resume();
    [[nodiscard]] bool cancel(std::string reason);
    // What to start now: waiting devices of released batches that are online,
    // up to the concurrency cap. Also advances batches and notices the end.
    [[nodiscard]] std::vector<std::string> next(
        const std::function<bool(const std::string&)>& online);
    // Pauses (and returns true) when failures cross the threshold.
    bool check_threshold();

    [[nodiscard]] RolloutState state() const noexcept { return state_; }
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
    [[nodiscard]] const RolloutPlan& plan() const noexcept { return plan_; }
    [[nodiscard]] std::size_t released_batches() const noexcept { return released_; }
    [[nodiscard]] std::size_t batch_count() const noexcept;
    [[nodiscard]] RolloutCounts counts() const;
    [[nodiscard]] std::string_view member_state(const std::string& device) const;
    // Restore after a restart.
    void restore(RolloutState state, std::size_t released, std::string reason);

  private:
    struct Member {
        std::size_t batch = 0;
        std::string state = "waiting";
    };
    [[nodiscard]] bool batch_busy(std::size_t batch) const;  // something not finished or waiting
    [[nodiscard]] bool all_finished() const;

    RolloutPlan plan_;
    std::map<std::string, Member> members_;
    RolloutState state_ = RolloutState::planned;
    std::size_t released_ = 0;  // batches 0..released_-1 may start
    std::string reason_;
};

[[nodiscard]] bool is_finished_member_state(std::string_view s) noexcept;
[[nodiscard]] bool is_running_member_state(std::string_view s) noexcept;

}  // namespace ptalk::updates
