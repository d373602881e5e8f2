#pragma once
// Device frame -> typed message. Pure: no I/O, no exceptions escape, bounded work.
#include <cstddef>
#include <string_view>

#include "protocol/messages.hpp"

namespace ptalk::protocol {

struct ParseLimits {
    std::size_t max_text_bytes = 64 * 1024;  // a device never sends more than a few hundred
    std::size_t max_depth = 8;               // device JSON is flat
};

// Keys are looked up case-insensitively (the firmware does the same); of
// duplicate keys the first wins, as in the firmware's cJSON.
[[nodiscard]] DeviceMessage parse_device_frame(std::string_view payload, bool binary,
                                               const ParseLimits& limits = {}) noexcept;

}  // namespace ptalk::protocol
