#include "protocol/ota_chunk.hpp"

#include <cassert>

#include <zlib.h>

namespace ptalk::protocol {
namespace {

void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
    p[2] = static_cast<std::uint8_t>(v >> 16);
    p[3] = static_cast<std::uint8_t>(v >> 24);
}

std::uint32_t get_u32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
           std::uint32_t{p[3]} << 24;
}

}  // namespace

std::uint32_t crc32(std::span<const std::uint8_t> data) noexcept {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    // zlib takes uInt lengths; chunks are small, but stay correct for any span.
    while (!data.empty()) {
        const auto n = static_cast<uInt>(std::min<std::size_t>(data.size(), 1u << 30));
        crc = ::crc32(crc, data.data(), n);
        data = data.subspan(n);
    }
    return static_cast<std::uint32_t>(crc);
}

namespace {

// One chunk frame into any contiguous byte container (vector or string).
template <class Bytes>
void write_chunk(std::uint32_t seq, std::span<const std::uint8_t> data, Bytes& out) {
    assert(data.size() <= max_chunk_data_bytes);
    out.resize(chunk_header_bytes + data.size());
    auto* p = reinterpret_cast<std::uint8_t*>(out.data());
    put_u32(p, seq);
    put_u32(p + 4, static_cast<std::uint32_t>(data.size()));
    put_u32(p + 8, crc32(data));
    std::copy(data.begin(), data.end(), p + chunk_header_bytes);
}

}  // namespace

void encode_chunk(std::uint32_t seq, std::span<const std::uint8_t> data,
                  std::vector<std::uint8_t>& out) {
    write_chunk(seq, data, out);
}

void encode_chunk(std::uint32_t seq, std::span<const std::uint8_t> data, std::string& out) {
    write_chunk(seq, data, out);
}

std::vector<std::uint8_t> encode_chunk(std::uint32_t seq, std::span<const std::uint8_t> data) {
    std::vector<std::uint8_t> out;
    encode_chunk(seq, data, out);
    return out;
}

DecodedChunk decode_chunk(std::span<const std::uint8_t> frame) noexcept {
    DecodedChunk c;
    if (frame.size() < chunk_header_bytes) {
        c.error = error::bad_chunk_header;
        return c;
    }
    c.seq = get_u32(frame.data());
    c.declared_len = get_u32(frame.data() + 4);
    c.declared_crc = get_u32(frame.data() + 8);
    c.data = frame.subspan(chunk_header_bytes);
    if (c.declared_len > max_chunk_data_bytes)
        c.error = error::chunk_too_large;
    else if (c.declared_len != c.data.size())
        c.error = error::chunk_length_mismatch;
    else if (crc32(c.data) != c.declared_crc)
        c.error = error::crc_mismatch;
    return c;
}

std::uint32_t total_chunks(std::uint64_t size, std::uint32_t chunk_size) noexcept {
    if (chunk_size == 0) return 0;
    return static_cast<std::uint32_t>((size + chunk_size - 1) / chunk_size);
}

std::string encode_ota_ack(std::uint32_t seq) {
    return "{\"ota_ack\":" + std::to_string(seq) + "}";
}

std::string encode_ota_nack(std::uint32_t seq) {
    return "{\"ota_nack\":" + std::to_string(seq) + "}";
}

}  // namespace ptalk::protocol
