#include "protocol/ota_chunk.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <zlib.h>
#include "test_support.hpp"

using namespace ptalk::protocol;
using namespace ptalk::protocol::test;

namespace {

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed = 1) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::uint8_t>(seed + i * 31);
    return v;
}

TEST(OtaChunk, StringAndVectorEncodingsAreTheSameFrame) {
    std::vector<std::uint8_t> data(300);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<std::uint8_t>(i * 7);
    std::string s;
    encode_chunk(42, data, s);
    const auto v = encode_chunk(42, data);
    ASSERT_EQ(s.size(), v.size());
    EXPECT_TRUE(std::equal(v.begin(), v.end(), reinterpret_cast<const std::uint8_t*>(s.data())));
    const auto d = decode_chunk({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
    EXPECT_FALSE(d.error);
    EXPECT_EQ(d.seq, 42u);
}

}  // namespace

// --- CRC-32 -------------------------------------------------------------------------

TEST(Crc32, KnownVectors) {
    EXPECT_EQ(crc32(bytes("123456789")), 0xCBF43926u);
    EXPECT_EQ(crc32(bytes("")), 0u);
    EXPECT_EQ(crc32(bytes("a")), 0xE8B7BE43u);
    EXPECT_EQ(crc32(bytes("The quick brown fox jumps over the lazy dog")), 0x414FA339u);
}

TEST(Crc32, EqualsZlibForChunkSizedData) {
    for (std::size_t n : {1u, 2048u, 4084u, 100000u}) {
        const auto d = pattern(n, static_cast<std::uint8_t>(n));
        const auto z = ::crc32(::crc32(0L, Z_NULL, 0), d.data(), static_cast<uInt>(d.size()));
        EXPECT_EQ(crc32(d), static_cast<std::uint32_t>(z)) << n;
    }
}

// --- encoding -----------------------------------------------------------------------

TEST(EncodeChunk, LittleEndianHeaderByteByByte) {
    const auto frame = encode_chunk(0x04030201u, bytes("123456789"));
    ASSERT_EQ(frame.size(), 12u + 9u);
    const std::vector<std::uint8_t> header(frame.begin(), frame.begin() + 12);
    EXPECT_EQ(header, (std::vector<std::uint8_t>{0x01, 0x02, 0x03, 0x04,    // seq
                                                 0x09, 0x00, 0x00, 0x00,    // data_len
                                                 0x26, 0x39, 0xF4, 0xCB}))  // crc32
    ;
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(frame.data() + 12), 9), "123456789");
}

TEST(EncodeChunk, MaximumChunkFillsTheDeviceBufferExactly) {
    const auto data = pattern(max_chunk_data_bytes);
    const auto frame = encode_chunk(7, data);
    EXPECT_EQ(frame.size(), 4096u);
    EXPECT_EQ(frame[4], 0xF4);  // 4084 = 0x0FF4
    EXPECT_EQ(frame[5], 0x0F);
    EXPECT_EQ(frame[6], 0);
    EXPECT_EQ(frame[7], 0);
}

TEST(EncodeChunk, ReusedBufferIsReplacedNotAppended) {
    std::vector<std::uint8_t> out(9000, 0xAA);
    encode_chunk(1, bytes("ab"), out);
    EXPECT_EQ(out.size(), 14u);
    encode_chunk(2, {}, out);
    EXPECT_EQ(out.size(), 12u);
    EXPECT_EQ(out, encode_chunk(2, {}));
}

// --- decoding -----------------------------------------------------------------------

TEST(DecodeChunk, RoundTrip) {
    for (std::size_t n : {0u, 1u, 2048u, 4084u}) {
        const auto data = pattern(n);
        const auto frame = encode_chunk(41, data);
        const auto c = decode_chunk(frame);
        EXPECT_FALSE(c.error) << n << ": " << c.error.message();
        EXPECT_EQ(c.seq, 41u);
        EXPECT_EQ(c.declared_len, n);
        EXPECT_EQ(c.declared_crc, crc32(data));
        EXPECT_TRUE(std::equal(c.data.begin(), c.data.end(), data.begin(), data.end()));
        EXPECT_EQ(c.data.data(), frame.data() + 12) << "data points into the frame";
    }
}

TEST(DecodeChunk, MaximumSeq) {
    const auto c = decode_chunk(encode_chunk(0xFFFFFFFFu, bytes("x")));
    EXPECT_FALSE(c.error);
    EXPECT_EQ(c.seq, 0xFFFFFFFFu);
}

TEST(DecodeChunk, ShortHeaderHasNoSeq) {
    const auto frame = encode_chunk(5, bytes("abc"));
    for (std::size_t n = 0; n < 12; ++n) {
        const auto c = decode_chunk(std::span(frame).first(n));
        EXPECT_EQ(c.error, err(error::bad_chunk_header)) << n;
        EXPECT_FALSE(c.seq.has_value()) << n;
    }
}

TEST(DecodeChunk, LengthMismatchKeepsSeq) {
    auto frame = encode_chunk(5, bytes("abcdef"));
    auto c = decode_chunk(std::span(frame).first(frame.size() - 1));
    EXPECT_EQ(c.error, err(error::chunk_length_mismatch));
    EXPECT_EQ(c.seq, 5u);
    frame.push_back('g');
    c = decode_chunk(frame);
    EXPECT_EQ(c.error, err(error::chunk_length_mismatch));
    EXPECT_EQ(c.seq, 5u);
    // Header only, but it declares data.
    c = decode_chunk(std::span(frame).first(12));
    EXPECT_EQ(c.error, err(error::chunk_length_mismatch));
}

TEST(DecodeChunk, OverMaximumIsTooLargeEvenWhenConsistent) {
    // A frame that is self-consistent but over the device's 4084-byte limit.
    std::vector<std::uint8_t> data = pattern(max_chunk_data_bytes + 1);
    std::vector<std::uint8_t> frame(12 + data.size());
    const std::uint32_t len = static_cast<std::uint32_t>(data.size());
    const std::uint32_t crc = crc32(data);
    for (int i = 0; i < 4; ++i) {
        frame[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(9 >> (8 * i));
        frame[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(len >> (8 * i));
        frame[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(crc >> (8 * i));
    }
    std::copy(data.begin(), data.end(), frame.begin() + 12);
    const auto c = decode_chunk(frame);
    EXPECT_EQ(c.error, err(error::chunk_too_large));
    EXPECT_EQ(c.seq, 9u);
    EXPECT_EQ(c.declared_len, max_chunk_data_bytes + 1);
}

TEST(DecodeChunk, HugeDeclaredLengthIsTooLarge) {
    auto frame = encode_chunk(3, bytes("abc"));
    frame[4] = frame[5] = frame[6] = frame[7] = 0xFF;
    const auto c = decode_chunk(frame);
    EXPECT_EQ(c.error, err(error::chunk_too_large));
    EXPECT_EQ(c.seq, 3u);
}

TEST(DecodeChunk, BadCrcStillYieldsSeq) {
    auto frame = encode_chunk(17, bytes("firmware"));
    frame.back() ^= 0x01;
    auto c = decode_chunk(frame);
    EXPECT_EQ(c.error, err(error::crc_mismatch));
    EXPECT_EQ(c.seq, 17u);
    frame = encode_chunk(17, bytes("firmware"));
    frame[8] ^= 0x80;
    c = decode_chunk(frame);
    EXPECT_EQ(c.error, err(error::crc_mismatch));
    EXPECT_EQ(c.seq, 17u);
}

// --- counting and device frames -------------------------------------------------------

TEST(TotalChunks, RoundsUp) {
    EXPECT_EQ(total_chunks(0, 2048), 0u);
    EXPECT_EQ(total_chunks(1, 2048), 1u);
    EXPECT_EQ(total_chunks(2048, 2048), 1u);
    EXPECT_EQ(total_chunks(2049, 2048), 2u);
    EXPECT_EQ(total_chunks(6 * 1024 * 1024, 2048), 3072u);
    EXPECT_EQ(total_chunks(6 * 1024 * 1024 + 1, 4084), 1541u);
}

TEST(TotalChunks, ZeroChunkSizeIsZeroChunks) {
    EXPECT_EQ(total_chunks(100, 0), 0u);
}

TEST(OtaAckFrames, ExactText) {
    EXPECT_EQ(encode_ota_ack(0), R"({"ota_ack":0})");
    EXPECT_EQ(encode_ota_ack(4294967295u), R"({"ota_ack":4294967295})");
    EXPECT_EQ(encode_ota_nack(12), R"({"ota_nack":12})");
}
