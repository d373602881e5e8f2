#pragma once
// Limits and timeouts of the device gateway and the HTTP front door.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

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

    // ---- security (issue 7, docs/SECURITY.md) ----
    // Device admission, asked on a device's first handshake with its id, the ws
    // URL's ?token= value ("" when absent) and its address; false refuses the
    // device (its TCP connection is dropped). Unset: every device is admitted.
    std::function<bool(const std::string& device_id, std::string_view token,
                       const std::string& remote)>
        admit;
    // Open TCP connections (devices and API together); beyond it a new one is
    // closed at once. Each needs a file descriptor: keep it below `ulimit -n`.
    std::size_t max_connections = 50'000;
    // New connections per second from one IP address (token bucket of `ip_burst`);
    // 0: no limit. Loopback is exempt unless ip_rate_loopback (tests, local proxies).
    double ip_rate = 100;
    double ip_burst = 2000;
    bool ip_rate_loopback = false;
    // TLS on the same port (https and wss) when both are set: PEM files.
    std::string tls_cert;
    std::string tls_key;
};

}  // namespace ptalk::gateway
