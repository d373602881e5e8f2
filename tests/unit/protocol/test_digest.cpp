#include "protocol/digest.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace ptalk::protocol;
using namespace ptalk::protocol::test;

TEST(Sha256, KnownVectors) {
    EXPECT_EQ(sha256_hex(bytes("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex(bytes("")),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, StreamedEqualsOneShot) {
    std::vector<std::uint8_t> data(100'003);
    std::uint32_t x = 7;
    for (auto& b : data) {
        x = x * 1103515245u + 12345u;
        b = static_cast<std::uint8_t>(x >> 16);
    }
    const std::string one_shot = sha256_hex(data);
    for (std::size_t piece : {1u, 63u, 64u, 65u, 4096u, 99'999u}) {
        Sha256 h;
        for (std::size_t i = 0; i < data.size(); i += piece)
            h.update(std::span(data).subspan(i, std::min(piece, data.size() - i)));
        EXPECT_EQ(h.hex_digest(), one_shot) << "pieces of " << piece;
    }
}

TEST(Sha256, EmptyUpdatesChangeNothing) {
    Sha256 h;
    h.update({});
    h.update(bytes("a"));
    h.update({});
    h.update(bytes("bc"));
    EXPECT_EQ(h.hex_digest(), sha256_hex(bytes("abc")));
}

TEST(Sha256, DigestIsLowerCaseHex) {
    const auto d = sha256_hex(bytes("ptalk"));
    ASSERT_EQ(d.size(), 64u);
    for (char c : d)
        EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << d;
}
