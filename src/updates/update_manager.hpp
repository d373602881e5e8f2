#pragma once
// Runs every device's firmware update (DeviceUpdate) against the live fleet:
// starts transfers on device sessions, reboots devices before retries, proves
// success at the next handshake, persists each state change (UpdateStore) so
// updates survive a restart, and records events and metrics.
//
// Threading: fleet hooks arrive on session strands and are posted to the
// blocking pool; every other entry point is called there too (the API runs it
// through its blocking pool). One mutex guards the state; store writes happen
// under it (few, small, off the I/O threads).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "firmware/catalogue.hpp"
#include "fleet/fleet.hpp"
#include "ota/transfer.hpp"
#include "store/update_store.hpp"
#include "updates/device_update.hpp"

namespace ptalk::updates {

struct OtaOptions {
    ota::SenderOptions sender;  // chunk size, window, ack timeouts, retries
    UpdatePolicy policy;        // attempts, confirmation deadline, battery floor
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds restart_grace{15'000};
    bool allow_device_pull = true;  // {"action":"update_firmware"} starts a transfer
    std::chrono::milliseconds tick{500};
};

// One update as the API shows it.
struct UpdateView {
    store::UpdateRecord record;
    std::uint32_t chunks_sent = 0;
    std::uint32_t nacks = 0;
    std::uint32_t timeouts = 0;
    double bytes_per_s = 0;
};

enum class StartError {
    none,
    unknown_device,
    unknown_version,
    already_updating,
    already_on_version,
    battery_low,
    image_unavailable,
    store_unavailable,
};

struct StartResult {
    StartError error = StartError::none;
    std::string message;  // for people, when error != none
    std::optional<UpdateView> update;
};

class UpdateManager final : public fleet::FleetObserver {
  public:
    UpdateManager(fleet::Fleet& fleet, firmware::Catalogue& catalogue, store::UpdateStore& db,
                  store::Store& events, boost::asio::any_io_executor pool, OtaOptions options);
    ~UpdateManager() override;

    // Restores unfinished updates from the store and starts the deadline ticks.
    store::Status start();
    void stop();

    // Starts updating one device (version empty: the newest in the catalogue).
    // Call off the I/O threads.
    // A rollout's updates may set their own confirmation deadline.
    StartResult start_update(const std::string& device_id, std::string version,
                             const std::string& requested_by, std::uint64_t rollout_id = 0,
                             std::optional<std::chrono::milliseconds> confirm_timeout = {});
    // Cancels an update that has not started its transfer; false if none could be.
    bool cancel(const std::string& device_id, const std::string& why);
    // The device's running update, or its latest one.
    [[nodiscard]] std::optional<UpdateView> view(const std::string& device_id);
    [[nodiscard]] std::vector<UpdateView> rollout_updates(std::uint64_t rollout_id);
    // A version is in use while an unfinished update sends it.
    [[nodiscard]] bool version_in_use(std::string_view version);
    // Told of every state change of a rollout's updates (on the pool, no lock held).
    void set_rollout_listener(std::function<void(const store::UpdateRecord&)> f);
    // Prometheus text of the OTA counters.
    [[nodiscard]] std::string metrics_text() const;

    // fleet::FleetObserver (session strands: posted to the pool)
    void device_online(const store::DeviceRecord& d) override;
    void device_offline(const std::string& id, gateway::CloseReason why) override;
    void firmware_pull(const std::string& id, const protocol::FirmwarePull& p) override;

  private:
    struct Active;

    void online(const std::string& id, const std::string& version, std::optional<int> battery);
    void transfer_ended(const std::string& id, std::uint64_t update_id,
                        const ota::TransferResult& r);
    void reboot_ended(const std::string& id, std::uint64_t update_id, bool acknowledged);
    void tick();
    void schedule_tick();
    // Performs what the state machine asked, persists, reports. mutex_ held.
    void apply(Active& a, const UpdateActions& acts, std::vector<store::UpdateRecord>& changed);
    void begin_transfer(Active& a, std::vector<store::UpdateRecord>& changed);
    void send_reboot(Active& a);
    void persist(Active& a, std::vector<store::UpdateRecord>& changed);
    void notify(const std::vector<store::UpdateRecord>& changed);
    void event(const std::string& device, std::string type, std::string data);
    UpdateView view_of(const Active& a) const;

    fleet::Fleet& fleet_;
    firmware::Catalogue& catalogue_;
    store::UpdateStore& db_;
    store::Store& events_;
    boost::asio::any_io_executor pool_;
    OtaOptions options_;
    boost::asio::steady_timer ticker_;

    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Active>> active_;  // by device id
    std::function<void(const store::UpdateRecord&)> rollout_listener_;
    bool stopping_ = false;

    struct Counters;
    std::unique_ptr<Counters> counters_;
};

}  // namespace ptalk::updates
