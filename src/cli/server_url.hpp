#pragma once
// Where the server is: "http[s]://host:port/prefix" as given by --server or
// PTALK_SERVER, and for https which certificates to trust.
#include <cstdint>
#include <string>
#include <string_view>

namespace ptalk::cli {

struct ServerUrl {
    std::string host;
    std::uint16_t port = 8000;
    std::string base_path;  // "" or "/prefix" (no trailing slash), put before every API path
    bool tls = false;       // https://
    // https: a PEM file of certificates to trust besides the system's (--ca-file,
    // PTALK_CA_FILE), e.g. a self-signed server's own certificate.
    std::string ca_file;

    [[nodiscard]] std::string to_string() const;
};

// Accepts "http[s]://host[:port][/prefix]", "host[:port]" and "[v6]:port" (the
// port defaults to 8000, or 443 for https); throws CliError(usage) with the
// reason for anything else.
[[nodiscard]] ServerUrl parse_server_url(std::string_view text);

}  // namespace ptalk::cli
