#pragma once
// N simulated devices in one process, on one io_context per I/O thread. Usable
// from the ptalk-sim CLI and from integration tests: start it against a URL,
// watch its statistics and devices, make one device drop or pull firmware, stop.
//
//   sim::FleetOptions o;
//   o.url = "ws://127.0.0.1:8000/ws";
//   o.count = 100;
//   sim::Fleet fleet(o);
//   fleet.start();
//   fleet.wait_until([](auto& s) { return s[sim::Counter::connected] == 100; }, 10s);
//   ...
//   fleet.stop();
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "sim/device_client.hpp"
#include "sim/fleet_options.hpp"
#include "sim/state_file.hpp"
#include "sim/stats.hpp"

namespace ptalk::sim {

// How many file descriptors a fleet of `count` devices needs beyond one per device.
inline constexpr std::size_t reserved_fds = 64;

class Fleet {
  public:
    // Checks the options, raises the soft file limit if it can, resolves the
    // URL and loads the state file. Throws std::invalid_argument with a message
    // for the user (bad URL, ids that do not fit, more devices than the file
    // limit allows: split the fleet across processes).
    explicit Fleet(FleetOptions opt);
    ~Fleet();
    Fleet(const Fleet&) = delete;
    Fleet& operator=(const Fleet&) = delete;

    // Powers the devices on in the background (opt.threads threads). Returns at once.
    void start();
    // Powers every device off (links closed without a close frame), writes the
    // state file and joins the threads. Idempotent; the destructor calls it.
    void stop();
    [[nodiscard]] bool running() const noexcept { return started_ && !stopped_; }

    [[nodiscard]] StatsSnapshot stats() const { return stats_.snapshot(); }
    [[nodiscard]] const std::vector<std::string>& ids() const noexcept { return ids_; }
    // Any id form (upper/lower case, AA:BB:...). Not from the fleet's own threads.
    [[nodiscard]] std::optional<DeviceSnapshot> device(std::string_view id) const;
    // Polls the statistics until pred holds or the timeout passes; returns pred's last value.
    bool wait_until(const std::function<bool(const StatsSnapshot&)>& pred, Millis timeout) const;

    // Wi-Fi loss on one device: it drops the link and reconnects (a stranded one too).
    void drop_link(std::string_view id);
    // The user changed one device's settings on the device (BLE app): drift.
    void change_settings(std::string_view id, const std::function<void(DeviceSettings&)>& edit);
    // The user pressed "update" on one device.
    void pull_firmware(std::string_view id, std::optional<std::string> version = {});

    [[nodiscard]] const FleetOptions& options() const noexcept { return opt_; }

  private:
    struct Slot;
    struct Context;

    [[nodiscard]] Slot* find(std::string_view id) const;
    void post_and_wait(Slot& slot, const std::function<void(DeviceClient&)>& fn) const;
    boost::asio::awaitable<void> tick_loop(Context& ctx);
    void tick(Context& ctx, TimePoint now);

    FleetOptions opt_;
    Stats stats_;
    StateFile state_;
    std::vector<std::string> ids_;
    std::unordered_map<std::string, std::size_t> index_;
    std::vector<std::unique_ptr<Context>> contexts_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> running_devices_{0};
    std::atomic<bool> stopping_{false};
    bool started_ = false;
    bool stopped_ = false;
};

// Fails with a message saying how to split the fleet when `count` devices do
// not fit this process's file limit (after raising the soft limit to the hard one).
void check_fd_limit(std::size_t count);

}  // namespace ptalk::sim
