#pragma once
// HMAC-SHA256 for webhook signatures (X-PTalk-Signature: sha256=<hex>). Pure.
#include <string>
#include <string_view>

namespace ptalk::live {

// Lower-case hex of HMAC-SHA256(key, message).
[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view message);
// The header value: "sha256=" + hmac_sha256_hex(secret, body).
[[nodiscard]] std::string webhook_signature(std::string_view secret, std::string_view body);

}  // namespace ptalk::live
