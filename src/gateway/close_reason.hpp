#pragma once
#include <string_view>

namespace ptalk::gateway {

// Why a device's socket ended; reported in events and logs.
enum class CloseReason {
    closed,             // the device closed or the TCP connection broke
    ping_timeout,       // nothing heard within the idle timeout
    replaced,           // the same device connected again
    server_shutdown,    // ptalkd is stopping
    handshake_timeout,  // no device_handshake in time
    refused,            // admission refused the handshake
    slow_consumer,      // its send queue overflowed
    protocol_error,     // WebSocket protocol violation
};

[[nodiscard]] constexpr std::string_view to_string(CloseReason r) noexcept {
    switch (r) {
        case CloseReason::closed:
            return "closed";
        case CloseReason::ping_timeout:
            return "ping_timeout";
        case CloseReason::replaced:
            return "replaced";
        case CloseReason::server_shutdown:
            return "server_shutdown";
        case CloseReason::handshake_timeout:
            return "handshake_timeout";
        case CloseReason::refused:
            return "refused";
        case CloseReason::slow_consumer:
            return "slow_consumer";
        case CloseReason::protocol_error:
            return "protocol_error";
    }
    return "closed";
}

}  // namespace ptalk::gateway
