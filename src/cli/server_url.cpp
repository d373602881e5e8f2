#include "cli/server_url.hpp"

#include <charconv>

#include "cli/exit_code.hpp"

namespace ptalk::cli {

namespace {

[[noreturn]] void bad(std::string_view text, const std::string& why) {
    throw CliError(ExitCode::usage,
                   "invalid server URL '" + std::string(text.substr(0, 200)) + "': " + why);
}

}  // namespace

std::string ServerUrl::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" +
           std::to_string(port) + base_path;
}

ServerUrl parse_server_url(std::string_view text) {
    std::string_view rest = text;
    ServerUrl url;
    if (const auto p = rest.find("://"); p != std::string_view::npos) {
        const auto scheme = rest.substr(0, p);
        if (scheme != "http" && scheme != "https")
            bad(text, "the scheme must be http:// or https://");
        url.tls = scheme == "https";
        if (url.tls) url.port = 443;
        rest.remove_prefix(p + 3);
    }
    const auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        auto path = rest.substr(slash);
        while (!path.empty() && path.back() == '/')
            path.remove_suffix(1);
        if (path.find_first_of("?#") != std::string_view::npos)
            bad(text, "no query or fragment please");
        url.base_path = std::string(path);
    }
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) bad(text, "unclosed '[' in the address");
        url.host = std::string(authority.substr(1, close - 1));
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') bad(text, "expected ':port' after the address");
            port = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (url.host.empty()) bad(text, "no host");
    if (url.host.find_first_of("@ ") != std::string::npos) bad(text, "the host is not valid");
    if (!port.empty() || authority.ends_with(':')) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
            bad(text, "the port must be a number from 1 to 65535");
        url.port = static_cast<std::uint16_t>(value);
    }
    return url;
}

}  // namespace ptalk::cli
