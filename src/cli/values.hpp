#pragma once
// Checks of the values an operator types, before anything is sent: the
// firmware would mangle an out-of-range value (300 becomes 44). Pure; each
// failure is CliError(usage) saying the allowed range.
#include <cstdint>
#include <string>
#include <string_view>

namespace ptalk::cli {

// volume or brightness: an integer 0-100. `what` names it in the message.
void check_percent(std::string_view what, std::int64_t value);
// The same from text ("75"), as the console gets it.
[[nodiscard]] int parse_percent(std::string_view what, std::string_view text);
// A device name: 1-64 bytes of UTF-8, no control characters.
void check_device_name(std::string_view name);

}  // namespace ptalk::cli
