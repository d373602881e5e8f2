#pragma once
// Helpers shared by the simulator's tests: commands as the server would send
// them (built by the codec), replies read back with the codec.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/commands.hpp"
#include "protocol/firmware_image.hpp"
#include "protocol/frame_parser.hpp"
#include "protocol/ota_chunk.hpp"
#include "protocol/reply_match.hpp"
#include "sim/profile.hpp"

namespace ptalk::sim::test {

// Names parameterised tests after the profile.
inline std::string profile_name(const ::testing::TestParamInfo<Profile>& p) {
    return std::string(to_string(p.param));
}

// The wire text of a validated command.
inline std::string wire(const protocol::result<protocol::Command>& c) {
    EXPECT_TRUE(c.has_value());
    auto text = protocol::encode_command(*c);
    EXPECT_TRUE(text.has_value());
    return *text;
}
inline std::string wire(const protocol::Command& c) {
    return *protocol::encode_command(c);
}

// A device frame read back with the codec; fails the test if it is no reply.
inline protocol::Reply as_reply(const std::string& text) {
    auto m = protocol::parse_device_frame(text, false);
    auto* r = std::get_if<protocol::Reply>(&m);
    EXPECT_NE(r, nullptr) << "not a reply: " << text;
    return r != nullptr ? *r : protocol::Reply{};
}

inline protocol::Handshake as_handshake(const std::string& text) {
    auto m = protocol::parse_device_frame(text, false);
    auto* h = std::get_if<protocol::Handshake>(&m);
    EXPECT_NE(h, nullptr) << "not a handshake: " << text;
    return h != nullptr ? *h : protocol::Handshake{};
}

// A firmware transfer: the offer and its chunk frames.
struct Transfer {
    std::vector<std::uint8_t> image;
    protocol::OtaOffer offer;
    std::vector<std::vector<std::uint8_t>> chunks;

    [[nodiscard]] std::string request() const { return wire(protocol::make_request_ota(offer)); }
};

inline Transfer make_transfer(std::vector<std::uint8_t> image, std::string version,
                              std::uint32_t chunk_size = 2048) {
    Transfer t;
    t.image = std::move(image);
    t.offer.version = std::move(version);
    t.offer.size = t.image.size();
    t.offer.sha256 = protocol::sha256_hex(t.image);
    t.offer.chunk_size = chunk_size;
    t.offer.total_chunks = protocol::total_chunks(t.image.size(), chunk_size);
    for (std::uint32_t seq = 0; seq < t.offer.total_chunks; ++seq) {
        auto begin = static_cast<std::size_t>(seq) * chunk_size;
        auto len = std::min<std::size_t>(chunk_size, t.image.size() - begin);
        t.chunks.push_back(protocol::encode_chunk(seq, std::span(t.image).subspan(begin, len)));
    }
    return t;
}

inline Transfer good_transfer(std::string version = "1.0.6", std::size_t size = 10'000) {
    return make_transfer(protocol::make_test_firmware_image(version, size), version);
}

// A chunk whose CRC field is wrong.
inline std::vector<std::uint8_t> corrupt(std::vector<std::uint8_t> chunk) {
    chunk[8] ^= 0xFF;
    return chunk;
}

}  // namespace ptalk::sim::test
