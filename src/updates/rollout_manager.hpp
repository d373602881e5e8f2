#pragma once
// Runs staged rollouts (Rollout) on top of the UpdateManager: resolves the
// target to devices, starts their updates batch by batch within the
// concurrency cap, pauses on the failure threshold, and persists every rollout
// so it carries on after a restart (kill -9 included).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "firmware/catalogue.hpp"
#include "fleet/fleet.hpp"
#include "store/update_store.hpp"
#include "updates/rollout.hpp"
#include "updates/update_manager.hpp"

namespace ptalk::updates {

struct RolloutRequest {
    std::string version;
    boost::json::value
        target;  // "all", ["id", ...] or {"online", "firmware_version", "name_contains"}
    std::optional<std::size_t> batch_size;
    std::optional<double> batch_percent;
    std::size_t max_concurrent = 10;
    double failure_threshold_percent = 10;
    std::optional<std::chrono::seconds> confirm_timeout;
    bool start = true;  // false: stays planned until resumed
    std::string requested_by;
};

struct RolloutCreated {
    enum class Error {
        none,
        bad_target,
        unknown_version,
        no_devices,
        store_unavailable
    } error = Error::none;
    std::string message;
    std::uint64_t id = 0;
};

enum class RolloutActionResult { ok, unknown, wrong_state };

class RolloutManager {
  public:
    RolloutManager(fleet::Fleet& fleet, UpdateManager& updates, firmware::Catalogue& catalogue,
                   store::UpdateStore& db, store::Store& events, boost::asio::any_io_executor pool,
                   std::chrono::milliseconds tick = std::chrono::milliseconds(500));
    ~RolloutManager();

    // Restores running and paused rollouts, then ticks.
    store::Status start();
    void stop();

    // All calls: off the I/O threads.
    RolloutCreated create(const RolloutRequest& r);
    RolloutActionResult pause(std::uint64_t id);
    RolloutActionResult resume(std::uint64_t id);  // also starts a planned one
    RolloutActionResult cancel(std::uint64_t id);
    // The rollout with counts, and one row per device when `devices`.
    [[nodiscard]] std::optional<boost::json::object> view(std::uint64_t id, bool devices);
    [[nodiscard]] boost::json::array list();
    [[nodiscard]] bool version_in_use(std::string_view version);

  private:
    struct Entry;

    void on_update(const store::UpdateRecord& u);
    void tick();
    void schedule_tick();
    // Starts what the rollouts say (called without the lock).
    void start_members(std::uint64_t id, const std::vector<std::string>& devices);
    void persist(Entry& e);                              // mutex_ held
    void transitioned(Entry& e, std::string_view what);  // event + persist; mutex_ held
    std::vector<std::string> resolve(const boost::json::value& target, std::string& error);
    boost::json::object to_json(const Entry& e, bool devices);

    fleet::Fleet& fleet_;
    UpdateManager& updates_;
    firmware::Catalogue& catalogue_;
    store::UpdateStore& db_;
    store::Store& events_;
    boost::asio::any_io_executor pool_;
    std::chrono::milliseconds tick_;
    boost::asio::steady_timer ticker_;

    std::mutex mutex_;
    std::map<std::uint64_t, std::unique_ptr<Entry>> rollouts_;  // every rollout, finished too
    bool stopping_ = false;
};

}  // namespace ptalk::updates
