#include "protocol/ws_frame.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace ptalk::protocol;
using Kind = WsEvent::Kind;

namespace {

// A client's frame, masked as RFC 6455 requires (unless `masked` is false).
std::string client_frame(WsOpcode op, std::string_view payload, bool fin = true, bool masked = true,
                         std::uint8_t extra_bits = 0) {
    std::string f;
    f.push_back(static_cast<char>((fin ? 0x80 : 0x00) | extra_bits | static_cast<int>(op)));
    const char mask_bit = masked ? static_cast<char>(0x80) : 0;
    const std::size_t n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(mask_bit | static_cast<char>(n)));
    } else if (n <= 0xFFFF) {
        f.push_back(static_cast<char>(mask_bit | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xFF));
    } else {
        f.push_back(static_cast<char>(mask_bit | 127));
        for (int i = 7; i >= 0; --i)
            f.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    if (masked) f.append(mask, 4);
    for (std::size_t i = 0; i < n; ++i)
        f.push_back(masked ? static_cast<char>(payload[i] ^ mask[i % 4]) : payload[i]);
    return f;
}

struct Seen {
    Kind kind;
    std::string payload;
    WsError error;
    bool operator==(const Seen&) const = default;
};

// Feeds `wire` in pieces of `step` bytes and collects every event.
std::vector<Seen> read_all(WsReader& r, std::string wire, std::size_t step) {
    std::vector<Seen> out;
    for (std::size_t at = 0; at < wire.size(); at += step) {
        r.feed(std::span<char>(wire).subspan(at, std::min(step, wire.size() - at)));
        for (;;) {
            const auto e = r.next();
            if (e.kind == Kind::need_more) break;
            out.push_back({e.kind, std::string(e.payload), e.error});
            if (e.kind == Kind::error) return out;
        }
    }
    return out;
}

}  // namespace

TEST(WsReader, ReadsOneMaskedTextFrame) {
    WsReader r(4096);
    const auto seen = read_all(r, client_frame(WsOpcode::text, "{\"cmd\":1}"), 1000);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0], (Seen{Kind::text, "{\"cmd\":1}", WsError::none}));
    EXPECT_EQ(r.buffered(), 0u);
}

TEST(WsReader, AFrameSplitAnywhereIsReadWhole) {
    const std::string payload(300, 'x');  // a 16-bit length
    const auto wire = client_frame(WsOpcode::text, payload) + client_frame(WsOpcode::binary, "ab");
    for (std::size_t step : {1u, 2u, 3u, 7u, 100u, 303u, 1000u}) {
        WsReader r(4096);
        const auto seen = read_all(r, wire, step);
        ASSERT_EQ(seen.size(), 2u) << step;
        EXPECT_EQ(seen[0].payload, payload) << step;
        EXPECT_EQ(seen[1], (Seen{Kind::binary, "ab", WsError::none})) << step;
        EXPECT_EQ(r.buffered(), 0u) << "nothing held once every frame is read";
    }
}

TEST(WsReader, AHalfReadFrameIsHeldUntilTheRestComes) {
    WsReader r(4096);
    auto wire = client_frame(WsOpcode::text, "hello");
    r.feed(std::span<char>(wire).first(4));
    EXPECT_EQ(r.next().kind, Kind::need_more);
    EXPECT_EQ(r.buffered(), 4u);
    r.feed(std::span<char>(wire).subspan(4));
    const auto e = r.next();
    EXPECT_EQ(e.kind, Kind::text);
    EXPECT_EQ(e.payload, "hello");
    EXPECT_EQ(r.next().kind, Kind::need_more);
    EXPECT_EQ(r.buffered(), 0u);
}

TEST(WsReader, ReassemblesFragmentsAroundAControlFrame) {
    WsReader r(4096);
    const auto wire = client_frame(WsOpcode::text, "he", false) +
                      client_frame(WsOpcode::ping, "p") +
                      client_frame(WsOpcode::continuation, "ll", false) +
                      client_frame(WsOpcode::continuation, "o", true);
    const auto seen = read_all(r, wire, 5);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0], (Seen{Kind::ping, "p", WsError::none}));
    EXPECT_EQ(seen[1], (Seen{Kind::text, "hello", WsError::none}));
}

TEST(WsReader, ControlFramesCarryTheirPayload) {
    WsReader r(4096);
    const auto seen =
        read_all(r,
                 client_frame(WsOpcode::ping, "") + client_frame(WsOpcode::pong, "x") +
                     client_frame(WsOpcode::close, std::string("\x03\xe8", 2)),
                 64);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].kind, Kind::ping);
    EXPECT_EQ(seen[1], (Seen{Kind::pong, "x", WsError::none}));
    EXPECT_EQ(seen[2], (Seen{Kind::close, std::string("\x03\xe8", 2), WsError::none}));
}

TEST(WsReader, A64BitLengthIsRead) {
    WsReader r(100'000);
    const std::string payload(70'000, 'b');
    const auto seen = read_all(r, client_frame(WsOpcode::binary, payload), 4096);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].payload.size(), payload.size());
}

TEST(WsReader, ProtocolViolationsAreErrors) {
    struct Case {
        std::string wire;
        WsError error;
    };
    const Case cases[] = {
        {client_frame(WsOpcode::text, "x", true, false), WsError::unmasked},
        {client_frame(WsOpcode::text, "x", true, true, 0x40), WsError::reserved_bits},
        {client_frame(static_cast<WsOpcode>(0x3), "x"), WsError::bad_opcode},
        {client_frame(static_cast<WsOpcode>(0xB), "x"), WsError::bad_opcode},
        {client_frame(WsOpcode::ping, std::string(126, 'p')), WsError::bad_control},
        {client_frame(WsOpcode::ping, "p", false), WsError::bad_control},
        {client_frame(WsOpcode::continuation, "x"), WsError::bad_continuation},
        {client_frame(WsOpcode::text, "a", false) + client_frame(WsOpcode::text, "b"),
         WsError::bad_continuation},
        {client_frame(WsOpcode::text, "\xc3\x28"), WsError::bad_utf8},
        {client_frame(WsOpcode::text, "\xc3", false) + client_frame(WsOpcode::continuation, "("),
         WsError::bad_utf8},
    };
    for (const auto& c : cases) {
        WsReader r(4096);
        const auto seen = read_all(r, c.wire, 1000);
        ASSERT_FALSE(seen.empty()) << to_string(c.error);
        EXPECT_EQ(seen.back().kind, Kind::error) << to_string(c.error);
        EXPECT_EQ(seen.back().error, c.error) << to_string(seen.back().error);
        EXPECT_EQ(r.next().kind, Kind::error) << "an error is final";
        EXPECT_EQ(r.buffered(), 0u);
    }
}

TEST(WsReader, ATooBigMessageFailsOnItsHeaderBeforeItsBytesArrive) {
    WsReader r(4096);
    auto wire = client_frame(WsOpcode::text, std::string(5000, 'x'));
    r.feed(std::span<char>(wire).first(8));  // only the header and mask
    const auto e = r.next();
    EXPECT_EQ(e.kind, Kind::error);
    EXPECT_EQ(e.error, WsError::too_big);
}

TEST(WsReader, FragmentsCountTowardsTheLimitTogether) {
    WsReader r(4096);
    const auto wire = client_frame(WsOpcode::text, std::string(3000, 'x'), false) +
                      client_frame(WsOpcode::continuation, std::string(3000, 'y'));
    const auto seen = read_all(r, wire, 10'000);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().error, WsError::too_big);
}

TEST(WsReader, BinaryNeedNotBeUtf8) {
    WsReader r(4096);
    const auto seen = read_all(r, client_frame(WsOpcode::binary, "\xff\xfe"), 100);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].kind, Kind::binary);
}

TEST(EncodeWsHeader, PicksTheShortestLengthForm) {
    std::array<char, 10> h{};
    EXPECT_EQ(encode_ws_header(WsOpcode::text, 0, h), 2u);
    EXPECT_EQ(static_cast<std::uint8_t>(h[0]), 0x81);
    EXPECT_EQ(h[1], 0);
    EXPECT_EQ(encode_ws_header(WsOpcode::binary, 125, h), 2u);
    EXPECT_EQ(static_cast<std::uint8_t>(h[0]), 0x82);
    EXPECT_EQ(h[1], 125);
    EXPECT_EQ(encode_ws_header(WsOpcode::binary, 4096, h), 4u);
    EXPECT_EQ(h[1], 126);
    EXPECT_EQ(static_cast<std::uint8_t>(h[2]), 0x10);
    EXPECT_EQ(static_cast<std::uint8_t>(h[3]), 0x00);
    EXPECT_EQ(encode_ws_header(WsOpcode::pong, 65'536, h), 10u);
    EXPECT_EQ(static_cast<std::uint8_t>(h[0]), 0x8A);
    EXPECT_EQ(h[1], 127);
    EXPECT_EQ(h[7], 1);  // 0x00..0x01 0x00 0x00
}
