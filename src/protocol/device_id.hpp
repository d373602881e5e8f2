#pragma once
// Device ids are MAC addresses. The guide shows them upper-case, the firmware in
// the field sends them lower-case; ptalk keeps one canonical form: 12 lower-case
// hex digits, exactly what the firmware sends (PROTOCOL.md §2).
#include <optional>
#include <string>
#include <string_view>

namespace ptalk::protocol {

// Accepts "a1b2c3d4e5f6", "A1B2C3D4E5F6", "A1:B2:C3:D4:E5:F6", "a1-b2-…".
// Returns the canonical form, or nothing for anything else.
[[nodiscard]] std::optional<std::string> normalize_device_id(std::string_view raw);

[[nodiscard]] bool is_canonical_device_id(std::string_view id) noexcept;

// "a1b2c3d4e5f6" -> "A1:B2:C3:D4:E5:F6", for people.
[[nodiscard]] std::string format_mac(std::string_view canonical_id);

}  // namespace ptalk::protocol
