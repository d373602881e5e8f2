#pragma once
// The fleet's persisted device settings: one JSON file per run directory,
// replaced atomically (write, fsync, rename) so a crash never leaves half a file.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "sim/device_settings.hpp"

namespace ptalk::sim {

class StateFile {
  public:
    // An empty dir means "no persistence": load finds nothing, flush does nothing.
    explicit StateFile(std::filesystem::path dir);

    // Reads the file if it exists; a corrupt file is reported and treated as empty.
    void load();
    [[nodiscard]] std::optional<DeviceSettings> find(const std::string& id) const;
    // Records a device's settings; the file is written by the next flush.
    void put(const std::string& id, const DeviceSettings& s);
    // Writes the file if anything changed since the last flush. Returns false on an I/O error.
    bool flush();

    [[nodiscard]] std::filesystem::path path() const;
    [[nodiscard]] bool enabled() const noexcept { return !dir_.empty(); }

  private:
    std::filesystem::path dir_;
    mutable std::mutex mutex_;  // devices on two I/O threads record into one map
    std::map<std::string, DeviceSettings> devices_;
    bool dirty_ = false;
};

}  // namespace ptalk::sim
