#pragma once
// ptalk-sim's command line, mapped onto sim::FleetOptions.
#include <cstdint>
#include <optional>
#include <string>

#include <CLI/App.hpp>

#include "sim/fleet_options.hpp"

namespace ptalk::sim::cli {

struct RunConfig {
    FleetOptions fleet;
    std::string profile = "firmware";
    std::optional<std::uint64_t> id_seed;
    double drop_during_ota_pct = 0;
    long long erase_ms = 0, ack_delay_ms = 0, ack_latency_ms = 0, reply_delay_ms = 0,
              reboot_delay_ms = 3000;
    long long reconnect_base_ms = 1500, reconnect_max_ms = 30'000;
    long long ping_after_ms = 5000, pong_timeout_ms = 10'000;
    long long ble_offline_ms = -1;  // < 0: offline for the rest of the run
    long long pull_after_ms = 2000, voice_every_ms = 20'000;
    long long battery_drain_s = 60;
    bool no_verify_sha256 = false;
    double duration_s = 0;  // 0: until Ctrl-C / SIGTERM
    std::string stats_json;
    std::string log_level = "warn";
    bool no_summary = false;
};

struct ImageConfig {
    std::string version = "1.0.6";
    std::size_t size = 1 << 20;
    std::string project = "ptalk";
    std::uint32_t seed = 1;
    std::string output;
};

void add_run_options(CLI::App& app, RunConfig& c);
CLI::App* add_make_image(CLI::App& app, ImageConfig& c);
// Turns the parsed flags into FleetOptions; throws CLI::ValidationError.
[[nodiscard]] FleetOptions to_fleet_options(const RunConfig& c);

}  // namespace ptalk::sim::cli
