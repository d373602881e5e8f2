#include "cli/values.hpp"

#include <charconv>

#include "cli/exit_code.hpp"
#include "protocol/commands.hpp"

namespace ptalk::cli {

void check_percent(std::string_view what, std::int64_t value) {
    if (!protocol::make_set_volume(value)) {
        throw CliError(ExitCode::usage, std::string(what) + " " + std::to_string(value) +
                                            " is out of range: allowed 0-100");
    }
}

int parse_percent(std::string_view what, std::string_view text) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size()) {
        throw CliError(ExitCode::usage, std::string(what) +
                                            " must be a whole number from 0 to 100, not '" +
                                            std::string(text.substr(0, 40)) + "'");
    }
    if (ec == std::errc::result_out_of_range) {
        throw CliError(ExitCode::usage, std::string(what) + " " + std::string(text.substr(0, 40)) +
                                            " is out of range: allowed 0-100");
    }
    check_percent(what, v);
    return static_cast<int>(v);
}

void check_device_name(std::string_view name) {
    if (protocol::validate_device_name(name)) {
        throw CliError(ExitCode::usage, "a device name must be 1-" +
                                            std::to_string(protocol::max_device_name_bytes) +
                                            " bytes of UTF-8 without control characters (got " +
                                            std::to_string(name.size()) + " bytes)");
    }
}

}  // namespace ptalk::cli
