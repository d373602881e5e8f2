#pragma once
// Exit codes scripts can rely on (docs/CLI.md), and the one error type that
// carries one to main: every failure is one readable line and one of these.
#include <stdexcept>
#include <string>

namespace ptalk::cli {

enum class ExitCode : int {
    ok = 0,
    refused = 1,       // the device said no, timed out, is offline or busy
    usage = 2,         // bad arguments or an invalid value; nothing was sent
    unreachable = 3,   // no connection to the server
    not_found = 4,     // unknown device or command, or a feature the server does not offer yet
    server_error = 5,  // the server failed (5xx) or answered something unexpected
    unauthorized = 6,  // no API token, an unknown or revoked one, or one whose scope is too low
};

[[nodiscard]] constexpr int to_int(ExitCode c) noexcept {
    return static_cast<int>(c);
}

class CliError : public std::runtime_error {
  public:
    CliError(ExitCode code, const std::string& message)
        : std::runtime_error(message), code_(code) {}
    [[nodiscard]] ExitCode code() const noexcept { return code_; }

  private:
    ExitCode code_;
};

}  // namespace ptalk::cli
