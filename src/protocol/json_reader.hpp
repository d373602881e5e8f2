#pragma once
// Reads JSON the way the firmware's cJSON does, for both sides of the wire:
// only the first JSON value of a frame counts (what follows is ignored), and of
// keys that are equal ignoring case the first wins. Bounded depth, never throws.
#include <cstddef>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "protocol/error.hpp"

namespace ptalk::protocol {

// Errors: error::invalid_json, error::too_deep, error::invalid_utf8, and
// error::out_of_range for a number too large for a double (1e400).
[[nodiscard]] result<boost::json::value> read_json(std::string_view text,
                                                   std::size_t max_depth = 8) noexcept;

// Case-insensitive key lookup (the firmware looks keys up that way).
[[nodiscard]] const boost::json::value* find_key(const boost::json::object& o,
                                                 std::string_view key) noexcept;

}  // namespace ptalk::protocol
