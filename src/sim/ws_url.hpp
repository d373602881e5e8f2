#pragma once
// The URL a device is provisioned with: ws://host:port/path?query (wss with TLS).
#include <string>
#include <string_view>

namespace ptalk::sim {

struct WsUrl {
    bool tls = false;
    std::string host;
    std::string port;
    std::string target;  // path and query, as the upgrade request carries them

    [[nodiscard]] std::string host_header() const {
        return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
    }
};

// Throws std::invalid_argument with a one-line reason.
[[nodiscard]] WsUrl parse_ws_url(std::string_view url);

}  // namespace ptalk::sim
