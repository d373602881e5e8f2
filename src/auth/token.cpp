#include "auth/token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace ptalk::auth {

namespace {

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[p[i] >> 4]);
        out.push_back(digits[p[i] & 0xf]);
    }
    return out;
}

}  // namespace

std::string_view to_string(Scope s) noexcept {
    switch (s) {
        case Scope::device:
            return "device";
        case Scope::read:
            return "read";
        case Scope::operate:
            return "operate";
        case Scope::admin:
            return "admin";
    }
    return "device";
}

std::optional<Scope> parse_scope(std::string_view s) noexcept {
    for (Scope c : {Scope::device, Scope::read, Scope::operate, Scope::admin}) {
        if (s == to_string(c)) return c;
    }
    return std::nullopt;
}

std::string generate_token() {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed: no randomness for a token");
    }
    return "ptk_" + hex(bytes.data(), bytes.size());
}

std::string hash_token(std::string_view token) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(token.data(), token.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    return hex(md.data(), len);
}

std::string token_prefix(std::string_view token) {
    return std::string(token.substr(0, 12));
}

bool secure_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool plausible_token(std::string_view token) noexcept {
    if (token.size() < 16 || token.size() > 256) return false;
    for (const char c : token) {
        if (c <= 0x20 || c >= 0x7f) return false;
    }
    return true;
}

}  // namespace ptalk::auth
