#pragma once
// Everything a fleet run is configured with; the CLI maps its flags onto this,
// and integration tests fill it in directly.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "sim/device_client.hpp"
#include "sim/device_ids.hpp"
#include "sim/firmware_model.hpp"

namespace ptalk::sim {

struct FleetOptions {
    std::string url = "ws://127.0.0.1:8000/ws";
    std::size_t count = 1;
    IdOptions ids;
    std::filesystem::path state_dir;                          // empty: settings are not persisted
    std::string firmware_version = default_firmware_version;  // for devices with no saved state
    ModelOptions model;           // profile, delays and faults of every device
    ClientOptions client;         // timeouts, reboot delay, backoff (url/endpoints are filled in)
    std::string ca_file;          // wss://: trust this CA (PEM) instead of the system's
    bool insecure = false;        // wss://: accept any certificate (self-signed test servers)
    double ignore_commands = 0;   // < 1: a fraction of the devices; >= 1: a count
    double ota_faulty = 0;        // devices whose new images never boot (fraction or count)
    double churn_per_minute = 0;  // random Wi-Fi drops per device per minute
    bool pull_firmware = false;   // each device asks for an update once, after its first handshake
    std::optional<std::string> pull_version;
    Millis pull_after{2000};
    bool voice_noise = false;    // START, audio frames, END now and then
    Millis voice_every{20'000};  // mean time between two bursts of a device
    int battery_min = 70;        // devices start with a charge in [battery_min, battery_max]
    int battery_max = 100;
    unsigned threads = 1;        // I/O threads (1 or 2)
    double connect_rate = 2000;  // new devices powered on per second at start
    Millis tick{250};            // keep-alive, churn and noise granularity
    std::uint64_t seed = 1;      // every random choice of the run
};

}  // namespace ptalk::sim
