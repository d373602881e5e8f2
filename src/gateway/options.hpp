#pragma once
// Limits and timeouts of the device gateway and the HTTP front door.
#include <chrono>
#include <cstddef>
#include <string>

namespace ptalk::gateway {

struct Options {
    std::string ws_path = "/ws";
    std::chrono::milliseconds handshake_timeout{10'000};  // upgrade -> device_handshake
    std::chrono::milliseconds idle_timeout{30'000};       // silence before the socket is dropped
    std::chrono::milliseconds command_timeout{5'000};     // default per command
    std::size_t max_frame_bytes = 64 * 1024;              // from a device
    std::size_t max_send_queue_bytes = 256 * 1024;        // to a device, before it is dropped
    std::size_t max_queued_commands = 64;                 // per device
    bool status_after_handshake = true;                   // PROTOCOL.md §2
    // HTTP
    std::size_t max_body_bytes = 1024 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    std::chrono::milliseconds http_timeout{30'000};  // per request read/write (slowloris)
};

}  // namespace ptalk::gateway
