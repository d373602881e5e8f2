#include "ota_options.hpp"

#include <chrono>
#include <cstdint>

namespace ptalk::server {

namespace {

auto ms(std::chrono::milliseconds& out) {
    return [&out](std::int64_t v) { out = std::chrono::milliseconds(v); };
}

}  // namespace

void add_ota_options(CLI::App& app, updates::OtaOptions& o) {
    const char* group = "Firmware updates";
    app.add_option("--ota-window", o.sender.window,
                   "OTA chunks in flight per device (1: the firmware team's stop-and-wait)")
        ->envname("PTALK_OTA_WINDOW")
        ->check(CLI::Range(1u, 256u))
        ->group(group);
    app.add_option("--ota-chunk-size", o.sender.chunk_size, "OTA chunk data bytes (1-4084)")
        ->envname("PTALK_OTA_CHUNK_SIZE")
        ->check(CLI::Range(1u, 4084u))
        ->group(group);
    app.add_option_function<std::int64_t>("--ota-ack-timeout-ms", ms(o.sender.ack_timeout),
                                          "no ack for this long: go back and resend")
        ->envname("PTALK_OTA_ACK_TIMEOUT_MS")
        ->check(CLI::Range(10, 600'000))
        ->group(group);
    app.add_option_function<std::int64_t>(
           "--ota-first-ack-timeout-ms", ms(o.sender.first_ack_timeout),
           "the first chunk's ack (the partition erase takes seconds)")
        ->envname("PTALK_OTA_FIRST_ACK_TIMEOUT_MS")
        ->check(CLI::Range(10, 600'000))
        ->group(group);
    app.add_option("--ota-chunk-retries", o.sender.max_retries,
                   "go-backs in a row without progress before a transfer fails")
        ->envname("PTALK_OTA_CHUNK_RETRIES")
        ->check(CLI::Range(0u, 1000u))
        ->group(group);
    app.add_option("--ota-max-attempts", o.policy.max_attempts,
                   "transfers per update (each retry after a reboot)")
        ->envname("PTALK_OTA_MAX_ATTEMPTS")
        ->check(CLI::Range(1u, 100u))
        ->group(group);
    app.add_option_function<std::int64_t>(
           "--ota-confirm-timeout-ms", ms(o.policy.confirm_timeout),
           "from OTA_COMPLETE to the handshake with the new version; then the update failed")
        ->envname("PTALK_OTA_CONFIRM_TIMEOUT_MS")
        ->check(CLI::Range(100, 86'400'000))
        ->group(group);
    app.add_option_function<std::int64_t>(
           "--ota-reboot-timeout-ms", ms(o.policy.reboot_timeout),
           "a reboot before a retry to the device's handshake; then the update failed")
        ->envname("PTALK_OTA_REBOOT_TIMEOUT_MS")
        ->check(CLI::Range(100, 86'400'000))
        ->group(group);
    app.add_option_function<std::int64_t>(
           "--ota-restart-grace-ms", ms(o.restart_grace),
           "a device still connected this long after OTA_COMPLETE did not install the image")
        ->envname("PTALK_OTA_RESTART_GRACE_MS")
        ->check(CLI::Range(100, 600'000))
        ->group(group);
    app.add_option("--ota-battery-floor", o.policy.battery_floor,
                   "percent of battery below which no update starts")
        ->envname("PTALK_OTA_BATTERY_FLOOR")
        ->check(CLI::Range(0, 100))
        ->group(group);
    app.add_flag("!--no-device-pull", o.allow_device_pull,
                 "ignore {\"action\":\"update_firmware\"} from devices")
        ->envname("PTALK_NO_DEVICE_PULL")
        ->group(group);
}

}  // namespace ptalk::server
