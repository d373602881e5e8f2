#pragma once
// What the OTA manager hands a device session to run one transfer, and what it
// gets back. The session (src/gateway) drives it: request_ota through the
// device's command queue, then the chunk stream of a ChunkSender, then
// OTA_COMPLETE, then it watches the socket go (the device restarting into the
// new image). The manager (src/updates) decides everything around it: when,
// retries, the reboot before a retry, the proof of success at the next handshake.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ota/chunk_sender.hpp"
#include "protocol/commands.hpp"

namespace ptalk::ota {

// Live counters of one transfer, written by the session, read by anyone.
struct Progress {
    std::atomic<std::uint64_t> bytes_acked{0};
    std::atomic<std::uint64_t> bytes_total{0};
    std::atomic<std::uint32_t> chunks_sent{0};  // resends included
    std::atomic<std::uint32_t> nacks{0};
    std::atomic<std::uint32_t> timeouts{0};
    std::atomic<std::uint32_t> go_backs{0};
};

struct TransferSpec {
    protocol::OtaOffer offer;  // version, size, sha256, chunk_size, total_chunks
    std::shared_ptr<const std::vector<std::uint8_t>> image;
    SenderOptions sender;
    std::chrono::milliseconds request_timeout{10'000};  // the answer to request_ota
    // After OTA_COMPLETE the device restarts about a second later; a socket
    // still up after this long means the image was not installed (PROTOCOL.md §5.6).
    std::chrono::milliseconds restart_grace{15'000};
    std::shared_ptr<Progress> progress;  // may be null
};

enum class TransferEnd {
    restarting,     // OTA_COMPLETE sent and the device went away: await its handshake
    not_installed,  // OTA_COMPLETE sent, but the device stayed up on its old image
    refused,        // the device did not accept request_ota (its status in detail)
    failed,         // the chunk stream failed (retries used up)
    interrupted,    // the socket went during the transfer
    busy,           // another transfer runs on this device
    offline,        // no session: the device is not connected
    shutdown,       // the server is stopping
};
[[nodiscard]] std::string_view to_string(TransferEnd e) noexcept;

// Whether the device's updater may be left half-open (PROTOCOL.md §5.7): it
// must reboot before the next request_ota.
[[nodiscard]] bool leaves_updater_open(TransferEnd e) noexcept;

struct TransferResult {
    TransferEnd end = TransferEnd::offline;
    std::string detail;  // one line for people
    std::uint64_t bytes_acked = 0;
    std::chrono::milliseconds elapsed{0};  // request_ota to the end of the stream
};

// The offer for an image: size, digest and the chunking the sender will use.
[[nodiscard]] protocol::OtaOffer make_offer(std::string version, std::string sha256,
                                            std::uint64_t size, std::uint32_t chunk_size);

}  // namespace ptalk::ota
