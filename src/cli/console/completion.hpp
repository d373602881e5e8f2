#pragma once
// Tab completion for the console: command words, and device ids and names
// after `use` (names may hold spaces). Pure.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cli/device_info.hpp"

namespace ptalk::cli::console {

// `line` is the text before the cursor, `word_start` where readline's current
// word begins in it. Returns what may replace line[word_start..], sorted.
[[nodiscard]] std::vector<std::string> complete(std::string_view line, std::size_t word_start,
                                                const std::vector<DeviceInfo>& devices);

}  // namespace ptalk::cli::console
