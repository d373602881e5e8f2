#pragma once
// The server side of the WebSocket opening handshake (RFC 6455 §4.2) for a
// device's upgrade request, which Beast has parsed: the checks Beast's own
// websocket::stream::accept makes, and the 101 response. After it the
// connection speaks WebSocket frames (protocol/ws_frame.hpp, DeviceSession).
#include <optional>
#include <string>
#include <string_view>

#include "gateway/http_handler.hpp"

namespace ptalk::gateway {

// An answer refusing `req` (400, or 426 for a WebSocket version other than 13),
// or nothing when it may be accepted. `req` must be an upgrade (is_upgrade()).
[[nodiscard]] std::optional<HttpResponse> upgrade_refusal(const HttpRequest& req);

// The 101 Switching Protocols answer to an upgrade upgrade_refusal() let pass,
// as the bytes to send: the device's session writes it (DeviceSession::start).
[[nodiscard]] std::string upgrade_response(const HttpRequest& req);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
[[nodiscard]] std::string websocket_accept_key(std::string_view key);

// The value of `key` in the query of a request target ("" when absent); only
// %XX escapes are decoded (a device token is plain ASCII), at most 512 bytes.
[[nodiscard]] std::string query_value(std::string_view target, std::string_view key);

}  // namespace ptalk::gateway
