#pragma once
// Which device the simulator plays: the firmware in the field (quirks and all)
// or the device the documentation describes.
#include <chrono>
#include <optional>
#include <string_view>

namespace ptalk::sim {

enum class Profile {
    firmware,  // field behaviour, PROTOCOL.md's right-hand column
    spec,      // documented replies: invalid_param, invalid_command, upper-case ids
};

[[nodiscard]] std::string_view to_string(Profile p) noexcept;
[[nodiscard]] std::optional<Profile> profile_from_string(std::string_view s) noexcept;

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

}  // namespace ptalk::sim
