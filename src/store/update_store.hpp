#pragma once
// Firmware updates and rollouts as the store keeps them, so both survive a
// restart (kill -9 included). Few rows that change a few times each: written
// synchronously, each write its own transaction, from the OTA manager's thread
// (never an I/O thread).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/status.hpp"
#include "store/store.hpp"

namespace ptalk::store {

// One device's update (updates::DeviceUpdate), latest state.
struct UpdateRecord {
    std::uint64_t id = 0;  // 0 in put_update(): a new row
    std::string device_id;
    std::string version;
    std::uint64_t rollout_id = 0;  // 0: a single-device update
    std::string state;             // updates::UpdateState's name
    std::uint32_t attempts = 0;
    bool needs_reboot = false;
    std::string error;
    std::string requested_by;
    std::uint64_t bytes_acked = 0;
    std::uint64_t bytes_total = 0;
    UnixMillis created_at = 0;
    UnixMillis updated_at = 0;
    std::optional<UnixMillis> finished_at;

    friend bool operator==(const UpdateRecord&, const UpdateRecord&) = default;
};

struct UpdateFilter {
    bool active_only = false;  // not succeeded, failed or cancelled
    std::optional<std::string> device_id;
    std::optional<std::uint64_t> rollout_id;
    std::size_t limit = 100'000;

    static UpdateFilter active() {
        UpdateFilter f;
        f.active_only = true;
        return f;
    }
    static UpdateFilter device(std::string id, std::size_t limit = 100'000) {
        UpdateFilter f;
        f.device_id = std::move(id);
        f.limit = limit;
        return f;
    }
    static UpdateFilter rollout(std::uint64_t id) {
        UpdateFilter f;
        f.rollout_id = id;
        return f;
    }
};

struct RolloutRecord {
    std::uint64_t id = 0;  // 0 in put_rollout(): a new row
    std::string state;     // planned, running, paused, completed, cancelled
    std::string spec;      // JSON: version, target, batches, thresholds, ...
    std::string reason;    // why it paused or ended
    std::string requested_by;
    UnixMillis created_at = 0;
    UnixMillis updated_at = 0;

    friend bool operator==(const RolloutRecord&, const RolloutRecord&) = default;
};

class UpdateStore {
  public:
    virtual ~UpdateStore() = default;
    // Inserts (id 0) or replaces the row; returns its id.
    [[nodiscard]] virtual Result<std::uint64_t> put_update(const UpdateRecord& u) = 0;
    // Newest first.
    [[nodiscard]] virtual Result<std::vector<UpdateRecord>> load_updates(const UpdateFilter& f) = 0;
    [[nodiscard]] virtual Result<std::uint64_t> put_rollout(const RolloutRecord& r) = 0;
    // Newest first.
    [[nodiscard]] virtual Result<std::vector<RolloutRecord>> load_rollouts() = 0;
};

}  // namespace ptalk::store
