#pragma once
// Where the server is: "http://host:port/prefix" as given by --server or PTALK_SERVER.
#include <cstdint>
#include <string>
#include <string_view>

namespace ptalk::cli {

struct ServerUrl {
    std::string host;
    std::uint16_t port = 8000;
    std::string base_path;  // "" or "/prefix" (no trailing slash), put before every API path

    [[nodiscard]] std::string to_string() const;
};

// Accepts "http://host[:port][/prefix]", "host[:port]" and "[v6]:port"; throws
// CliError(usage) with the reason for anything else (https is not supported yet).
[[nodiscard]] ServerUrl parse_server_url(std::string_view text);

}  // namespace ptalk::cli
