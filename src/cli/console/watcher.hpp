#pragma once
// Watches the fleet for the console: polls the device list in its own thread
// and posts a line for every device that comes online, goes offline or
// reconnects. Keeps the latest list for completion, `all` and `use`.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/device_info.hpp"
#include "cli/server_url.hpp"

namespace ptalk::cli::console {

// What changed between two polls, as lines for people. Pure.
[[nodiscard]] std::vector<std::string> fleet_changes(const std::vector<DeviceInfo>& before,
                                                     const std::vector<DeviceInfo>& after);

class Watcher {
  public:
    using Post = std::function<void(std::string)>;

    // `initial` is the list the console started with: changes are relative to it.
    Watcher(ServerUrl server, std::string token, std::chrono::milliseconds interval,
            std::vector<DeviceInfo> initial, Post post);
    ~Watcher();  // stops and joins
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;

    void start();
    [[nodiscard]] std::vector<DeviceInfo> devices() const;

  private:
    void loop();

    ServerUrl server_;
    std::string token_;
    std::chrono::milliseconds interval_;
    Post post_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<DeviceInfo> devices_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace ptalk::cli::console
