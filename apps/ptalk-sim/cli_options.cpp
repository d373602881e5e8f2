#include "cli_options.hpp"

#include <CLI/CLI.hpp>

namespace ptalk::sim::cli {

void add_run_options(CLI::App& app, RunConfig& c) {
    auto& f = c.fleet;
    app.add_option("--url", f.url, "server WebSocket URL (ws://host:port/path?query)")
        ->capture_default_str();
    app.add_option("--ca-file", f.ca_file, "wss://: trust this CA certificate (PEM)");
    app.add_flag("--insecure", f.insecure, "wss://: accept any server certificate");
    app.add_option("--count,-n", f.count, "number of devices")->capture_default_str();
    app.add_option("--profile", c.profile, "firmware (field quirks) or spec (documented)")
        ->check(CLI::IsMember({"firmware", "spec"}))
        ->capture_default_str();
    app.add_option("--state-dir", f.state_dir,
                   "run directory: device settings persist there across restarts");
    app.add_option("--id-prefix", f.ids.prefix, "hex prefix of device ids; the rest counts up")
        ->capture_default_str();
    app.add_option("--seed", c.id_seed,
                   "random-looking ids (and all other randomness) from a seed");
    app.add_option("--id-offset", f.ids.offset,
                   "index of the first device (to split a fleet over processes)");
    app.add_option("--firmware-version", f.firmware_version,
                   "version of devices without saved state")
        ->capture_default_str();
    app.add_option("--reboot-delay-ms", c.reboot_delay_ms, "from a reboot's drop to the reconnect")
        ->capture_default_str();
    app.add_option("--reconnect-base-ms", c.reconnect_base_ms,
                   "first reconnect delay after a lost link (then doubling)")
        ->capture_default_str();
    app.add_option("--reconnect-max-ms", c.reconnect_max_ms, "cap of the reconnect delay")
        ->capture_default_str();
    app.add_option("--ping-after-ms", c.ping_after_ms, "silence before the device pings")
        ->capture_default_str();
    app.add_option("--pong-timeout-ms", c.pong_timeout_ms, "drop the link when no pong by then")
        ->capture_default_str();
    app.add_option("--ble-offline-ms", c.ble_offline_ms,
                   "after request_ble_config, come back after this long (default: never)");
    app.add_option("--erase-ms", c.erase_ms, "stall on the first OTA chunk (partition erase)");
    app.add_option("--ack-delay-ms", c.ack_delay_ms, "fault: slow flash write before each ack");
    app.add_option(
        "--ack-latency-ms", c.ack_latency_ms,
        "a far network: each OTA ack arrives this much later (the device keeps reading)");
    app.add_option("--max-ota-drops", f.model.max_ota_drops,
                   "--drop-during-ota hits each device at most this many times");
    app.add_flag("--corrupt-ota-writes", f.model.ota.corrupt_writes,
                 "fault: flash writes flip a bit, so the image's sha256 fails at OTA_COMPLETE");
    app.add_option("--battery-min", f.battery_min, "lowest starting charge (percent)")
        ->capture_default_str();
    app.add_option("--battery-max", f.battery_max, "highest starting charge (percent)")
        ->capture_default_str();
    app.add_option("--ota-faulty", f.ota_faulty,
                   "fault: devices whose new image never boots (a fraction < 1, or a count)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--reply-delay-ms", c.reply_delay_ms, "fault: slow reply to each command");
    app.add_option("--nack-every", f.model.ota.nack_every, "fault: nack every K-th chunk once");
    app.add_option("--drop-during-ota", c.drop_during_ota_pct,
                   "fault: percent of transfers that lose the link part-way")
        ->check(CLI::Range(0.0, 100.0));
    app.add_option("--ignore-commands", f.ignore_commands,
                   "fault: devices that never reply (a fraction < 1, or a count)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--churn", f.churn_per_minute, "random Wi-Fi drops per device per minute")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--pull-firmware", f.pull_firmware,
                 "each device asks for an update once ({\"action\":\"update_firmware\"})");
    app.add_option("--pull-version", f.pull_version, "version the pull asks for");
    app.add_option("--pull-after-ms", c.pull_after_ms, "from the first handshake to the pull")
        ->capture_default_str();
    app.add_flag("--voice-noise", f.voice_noise, "START, ADPCM audio frames and END now and then");
    app.add_option("--voice-every-ms", c.voice_every_ms, "mean time between voice bursts")
        ->capture_default_str();
    app.add_flag("--no-verify-sha256", c.no_verify_sha256,
                 "install images whatever the offered sha256 says");
    app.add_option("--ota-partition-bytes", f.model.ota.partition_bytes, "OTA partition size")
        ->capture_default_str();
    app.add_option("--battery-drain-s", c.battery_drain_s, "seconds per percent of battery")
        ->capture_default_str();
    app.add_option("--threads", f.threads, "I/O threads (1 or 2)")
        ->check(CLI::Range(1u, 2u))
        ->capture_default_str();
    app.add_option("--connect-rate", f.connect_rate, "devices powered on per second at start")
        ->capture_default_str();
    app.add_option("--duration", c.duration_s, "stop after this many seconds (default: Ctrl-C)");
    app.add_option("--stats-json", c.stats_json, "write the run's statistics here at exit");
    app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")
        ->capture_default_str();
    app.add_flag("--no-summary", c.no_summary, "no live summary line on a terminal");
}

CLI::App* add_make_image(CLI::App& app, ImageConfig& c) {
    auto* sub = app.add_subcommand(
        "make-image", "write a test firmware image (valid ESP32 header and descriptor)");
    sub->add_option("--version", c.version, "version string in the app descriptor")
        ->capture_default_str();
    sub->add_option("--size", c.size, "image size in bytes")->capture_default_str();
    sub->add_option("--project", c.project, "project name in the descriptor")
        ->capture_default_str();
    sub->add_option("--seed", c.seed, "payload seed")->capture_default_str();
    sub->add_option("-o,--output", c.output, "output file")->required();
    return sub;
}

FleetOptions to_fleet_options(const RunConfig& c) {
    using std::chrono::milliseconds;
    FleetOptions f = c.fleet;
    f.model.profile = *profile_from_string(c.profile);
    if (c.id_seed) {
        f.ids.seed = c.id_seed;
        f.seed = *c.id_seed;
    }
    f.model.erase_stall = milliseconds(c.erase_ms);
    f.model.ack_delay = milliseconds(c.ack_delay_ms);
    f.model.ack_latency = milliseconds(c.ack_latency_ms);
    f.model.reply_delay = milliseconds(c.reply_delay_ms);
    f.model.drop_during_ota = c.drop_during_ota_pct / 100.0;
    f.model.ota.verify_sha256 = !c.no_verify_sha256;
    f.model.battery_drain_per_percent = milliseconds(c.battery_drain_s * 1000);
    if (c.ble_offline_ms >= 0) f.model.ble_offline_for = milliseconds(c.ble_offline_ms);
    f.client.reboot_delay = milliseconds(c.reboot_delay_ms);
    f.client.backoff.base = milliseconds(c.reconnect_base_ms);
    f.client.backoff.max = milliseconds(c.reconnect_max_ms);
    f.client.ping_after = milliseconds(c.ping_after_ms);
    f.client.pong_timeout = milliseconds(c.pong_timeout_ms);
    f.pull_after = milliseconds(c.pull_after_ms);
    f.voice_every = milliseconds(std::max<long long>(1, c.voice_every_ms));
    return f;
}

}  // namespace ptalk::sim::cli
