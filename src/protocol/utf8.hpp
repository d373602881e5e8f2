#pragma once
// UTF-8 checks for text that crosses the wire: strings in device JSON, voice
// texts, and the device names the server sends.
#include <string_view>

#include <boost/system/error_code.hpp>

namespace ptalk::protocol::detail {

// Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or values past U+10FFFF.
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

// Valid UTF-8 without control characters (C0, DEL, C1): error::invalid_utf8,
// error::invalid_text, or no error.
[[nodiscard]] boost::system::error_code check_printable_text(std::string_view s) noexcept;

}  // namespace ptalk::protocol::detail
