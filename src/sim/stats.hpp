#pragma once
// The fleet's counters: lock-free, shared by every device on every I/O thread,
// read by the summary line, --stats-json and integration tests.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "protocol/commands.hpp"

namespace ptalk::sim {

enum class Counter : std::size_t {
    devices,             // gauge: simulated devices
    connected,           // gauge: devices whose handshake went out on a live link
    stranded_now,        // gauge: answered a close frame and now wait forever (PROTOCOL.md §6)
    offline_now,         // gauge: away in BLE provisioning
    ota_in_progress,     // gauge: transfers between request_ota and OTA_COMPLETE
    handshakes,          // every handshake sent
    reconnects,          // handshakes after a device's first one
    connect_failures,    // TCP or WebSocket upgrade failed
    links_lost,          // the link went while the device wanted it (server gone, dropped)
    stranded,            // times a device was stranded by a server close frame
    churn_drops,         // --churn and Fleet::drop_link
    keepalive_timeouts,  // no pong within the deadline
    reboots,             // restarts (reboot command or a successful update)
    commands,            // commands of a kind the device knows (by kind: commands_by_kind)
    unknown_commands,    // cmd unknown to the device (no reply on the firmware profile)
    bad_commands,        // of those, with missing or ill-typed parameters
    invalid_json,
    ignored_commands,          // --ignore-commands devices that kept quiet
    replies,                   // text frames written in answer to a command
    voice_texts_in,            // non-JSON text received (emotion codes, stray words)
    audio_frames_in,           // binary frames outside a transfer
    pieces_cut,                // received frames over 4096 bytes, handed over in pieces
    continuations_dropped,     // fragments the firmware never sees
    bytes_lost_after_upgrade,  // bytes that came with the 101 response
    ota_started,
    ota_chunks_acked,
    ota_chunks_nacked,
    ota_duplicates,
    ota_bytes,
    ota_ok,
    ota_failed,   // OTA_COMPLETE with a wrong size, image or hash
    ota_cut_off,  // link lost during a transfer
    firmware_pulls,
    voice_frames_out,
    pings_sent,
    count_
};

inline constexpr std::size_t counter_count = static_cast<std::size_t>(Counter::count_);
inline constexpr std::size_t command_kind_count = 9;  // protocol::CommandKind values

[[nodiscard]] std::string_view counter_name(Counter c) noexcept;

struct StatsSnapshot {
    std::array<std::int64_t, counter_count> values{};
    std::array<std::int64_t, command_kind_count> by_kind{};

    [[nodiscard]] std::int64_t operator[](Counter c) const noexcept {
        return values[static_cast<std::size_t>(c)];
    }
    [[nodiscard]] std::int64_t commands_of(protocol::CommandKind k) const noexcept {
        return by_kind[static_cast<std::size_t>(k)];
    }
    [[nodiscard]] boost::json::object to_json() const;
};

class Stats {
  public:
    void add(Counter c, std::int64_t n = 1) noexcept {
        values_[static_cast<std::size_t>(c)].fetch_add(n, std::memory_order_relaxed);
    }
    void command(protocol::CommandKind k) noexcept {
        by_kind_[static_cast<std::size_t>(k)].fetch_add(1, std::memory_order_relaxed);
    }
    [[nodiscard]] StatsSnapshot snapshot() const noexcept;

  private:
    std::array<std::atomic<std::int64_t>, counter_count> values_{};
    std::array<std::atomic<std::int64_t>, command_kind_count> by_kind_{};
};

}  // namespace ptalk::sim
