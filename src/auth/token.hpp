#pragma once
// API and device tokens (docs/SECURITY.md): 32 random bytes from OpenSSL's
// RAND_bytes, written as "ptk_" + 64 hex digits. Only the SHA-256 of a token is
// stored; a presented token is hashed and compared in constant time.
#include <optional>
#include <string>
#include <string_view>

namespace ptalk::auth {

// Ordered: each scope includes the ones below it. `device` tokens only admit a
// device (admission mode `token`); they open no API endpoint.
enum class Scope { device = 0, read = 1, operate = 2, admin = 3 };

[[nodiscard]] std::string_view to_string(Scope s) noexcept;
[[nodiscard]] std::optional<Scope> parse_scope(std::string_view s) noexcept;
// True when a token of scope `have` may do what needs `need`.
[[nodiscard]] constexpr bool allows(Scope have, Scope need) noexcept {
    return static_cast<int>(have) >= static_cast<int>(need);
}

// A fresh token. Throws std::runtime_error if the system has no randomness.
[[nodiscard]] std::string generate_token();
// Lower-case hex SHA-256 of `token`.
[[nodiscard]] std::string hash_token(std::string_view token);
// What a listing shows of a token: "ptk_1a2b3c…".
[[nodiscard]] std::string token_prefix(std::string_view token);
// Constant-time equality for secrets and their hashes (CRYPTO_memcmp).
[[nodiscard]] bool secure_equal(std::string_view a, std::string_view b) noexcept;
// Looks like something generate_token() made (or an operator chose): printable, 16..256 chars.
[[nodiscard]] bool plausible_token(std::string_view token) noexcept;

}  // namespace ptalk::auth
