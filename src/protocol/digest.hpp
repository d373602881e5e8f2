#pragma once
// SHA-256 (OpenSSL), one-shot or streamed (firmware uploads are hashed as they arrive).
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace ptalk::protocol {

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::span<const std::uint8_t> data);
    // Lower-case hex of everything updated so far; the hasher is spent afterwards.
    [[nodiscard]] std::string hex_digest();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

[[nodiscard]] std::string sha256_hex(std::span<const std::uint8_t> data);

}  // namespace ptalk::protocol
