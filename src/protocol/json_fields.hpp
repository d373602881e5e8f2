#pragma once
// Typed, bounded field access on a JSON object; used by the frame parser and the
// command builder. Missing fields are nullopt; wrong types and ranges are errors.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "protocol/error.hpp"

namespace ptalk::protocol::detail {

// An integer (or an integral double) within [lo, hi].
[[nodiscard]] result<std::int64_t> as_integer(const boost::json::value& v, std::int64_t lo,
                                              std::int64_t hi) noexcept;

[[nodiscard]] result<std::optional<std::int64_t>> optional_integer(const boost::json::object& o,
                                                                   std::string_view key,
                                                                   std::int64_t lo,
                                                                   std::int64_t hi) noexcept;

// A string of at most max_bytes.
[[nodiscard]] result<std::optional<std::string>> optional_string(const boost::json::object& o,
                                                                 std::string_view key,
                                                                 std::size_t max_bytes) noexcept;

}  // namespace ptalk::protocol::detail
