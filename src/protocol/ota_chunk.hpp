#pragma once
// OTA chunk frames (PROTOCOL.md §5.3): [u32 seq][u32 data_len][u32 crc32] LE + data.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/error.hpp"

namespace ptalk::protocol {

inline constexpr std::size_t chunk_header_bytes = 12;
inline constexpr std::size_t max_chunk_data_bytes = 4096 - chunk_header_bytes;  // 4084
inline constexpr std::uint32_t default_chunk_size = 2048;

// CRC-32 as zlib computes it.
[[nodiscard]] std::uint32_t crc32(std::span<const std::uint8_t> data) noexcept;

// Appends one chunk frame to `out` (which is cleared first). data.size() <= 4084.
void encode_chunk(std::uint32_t seq, std::span<const std::uint8_t> data,
                  std::vector<std::uint8_t>& out);
// The same frame straight into a string (what a WebSocket write queue holds):
// the image's bytes are copied once per chunk, not twice.
void encode_chunk(std::uint32_t seq, std::span<const std::uint8_t> data, std::string& out);
[[nodiscard]] std::vector<std::uint8_t> encode_chunk(std::uint32_t seq,
                                                     std::span<const std::uint8_t> data);

struct DecodedChunk {
    std::optional<std::uint32_t> seq;  // known whenever the header is complete
    std::uint32_t declared_len = 0;
    std::uint32_t declared_crc = 0;
    std::span<const std::uint8_t> data;  // points into the frame
    boost::system::error_code error;     // bad_chunk_header, chunk_length_mismatch,
                                         // chunk_too_large, crc_mismatch, or none
};
[[nodiscard]] DecodedChunk decode_chunk(std::span<const std::uint8_t> frame) noexcept;

[[nodiscard]] std::uint32_t total_chunks(std::uint64_t size, std::uint32_t chunk_size) noexcept;

// Device-side frames: {"ota_ack":N} / {"ota_nack":N}.
[[nodiscard]] std::string encode_ota_ack(std::uint32_t seq);
[[nodiscard]] std::string encode_ota_nack(std::uint32_t seq);

}  // namespace ptalk::protocol
