#include "sim/stats.hpp"

namespace ptalk::sim {

namespace {

constexpr std::array<std::string_view, counter_count> names = {
    "devices",
    "connected",
    "stranded_now",
    "offline_now",
    "ota_in_progress",
    "handshakes",
    "reconnects",
    "connect_failures",
    "links_lost",
    "stranded",
    "churn_drops",
    "keepalive_timeouts",
    "reboots",
    "commands",
    "unknown_commands",
    "bad_commands",
    "invalid_json",
    "ignored_commands",
    "replies",
    "voice_texts_in",
    "audio_frames_in",
    "pieces_cut",
    "continuations_dropped",
    "bytes_lost_after_upgrade",
    "ota_started",
    "ota_chunks_acked",
    "ota_chunks_nacked",
    "ota_duplicates",
    "ota_bytes",
    "ota_ok",
    "ota_failed",
    "ota_cut_off",
    "firmware_pulls",
    "voice_frames_out",
    "pings_sent",
};

}  // namespace

std::string_view counter_name(Counter c) noexcept {
    return names[static_cast<std::size_t>(c)];
}

StatsSnapshot Stats::snapshot() const noexcept {
    StatsSnapshot s;
    for (std::size_t i = 0; i < counter_count; ++i)
        s.values[i] = values_[i].load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < command_kind_count; ++i)
        s.by_kind[i] = by_kind_[i].load(std::memory_order_relaxed);
    return s;
}

boost::json::object StatsSnapshot::to_json() const {
    boost::json::object o;
    for (std::size_t i = 0; i < counter_count; ++i)
        o[names[i]] = values[i];
    boost::json::object kinds;
    for (std::size_t i = 0; i < command_kind_count; ++i)
        kinds[protocol::to_string(static_cast<protocol::CommandKind>(i))] = by_kind[i];
    o["commands_by_kind"] = std::move(kinds);
    return o;
}

}  // namespace ptalk::sim
