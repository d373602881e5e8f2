#include "sim/frame_tracker.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

using ptalk::sim::FrameTracker;
using Kind = FrameTracker::Kind;

namespace {

using Bytes = std::vector<std::uint8_t>;

// An unmasked server frame.
Bytes frame(std::uint8_t op, bool fin, std::size_t len, char fill = 'x') {
    Bytes b{static_cast<std::uint8_t>((fin ? 0x80 : 0) | op)};
    if (len < 126) {
        b.push_back(static_cast<std::uint8_t>(len));
    } else if (len < 65536) {
        b.push_back(126);
        b.push_back(static_cast<std::uint8_t>(len >> 8));
        b.push_back(static_cast<std::uint8_t>(len & 0xFF));
    } else {
        b.push_back(127);
        for (int i = 7; i >= 0; --i)
            b.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
    }
    b.insert(b.end(), len, static_cast<std::uint8_t>(fill));
    return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

const std::string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
Bytes http() {
    return Bytes(response.begin(), response.end());
}

bool is(const std::optional<FrameTracker::Payload>& p, Kind k, bool end) {
    return p && p->kind == k && p->frame_end == end;
}

}  // namespace

TEST(FrameTracker, TheFirmwareLosesBytesThatCameWithThe101) {
    FrameTracker t(true);
    auto read = cat({http(), frame(1, true, 10)});
    EXPECT_EQ(t.on_read(read), response.size());
    EXPECT_EQ(t.bytes_lost(), 12u);
    EXPECT_FALSE(t.on_payload(10));  // Beast never saw that frame
    // Later reads are whole.
    auto next = frame(1, true, 5);
    EXPECT_EQ(t.on_read(next), next.size());
    EXPECT_TRUE(is(t.on_payload(5), Kind::text, true));
}

TEST(FrameTracker, WithoutTheQuirkNothingIsLost) {
    FrameTracker t(false);
    auto read = cat({http(), frame(2, true, 10)});
    EXPECT_EQ(t.on_read(read), read.size());
    EXPECT_TRUE(is(t.on_payload(10), Kind::binary, true));
}

TEST(FrameTracker, AnOversizeFrameIsDeliveredInPieces) {
    FrameTracker t(true);
    (void)t.on_read(http());
    auto f = frame(1, true, 5000);
    EXPECT_EQ(t.on_read(f), f.size());
    EXPECT_TRUE(is(t.on_payload(4096), Kind::text, false));
    EXPECT_TRUE(is(t.on_payload(904), Kind::text, true));
}

TEST(FrameTracker, FragmentsAreToldApartAcrossControlFrames) {
    FrameTracker t(true);
    (void)t.on_read(http());
    auto read = cat({frame(1, false, 3), frame(9, true, 2), frame(0, false, 70'000),
                     frame(0, true, 4), frame(1, true, 0)});
    // Byte by byte: headers split across reads.
    for (auto b : read)
        EXPECT_EQ(t.on_read(Bytes{b}), 1u);
    EXPECT_TRUE(is(t.on_payload(3), Kind::text, true));
    EXPECT_TRUE(is(t.on_payload(70'000), Kind::continuation, true));
    EXPECT_TRUE(is(t.on_payload(4), Kind::continuation, true));
    EXPECT_TRUE(is(t.on_payload(0), Kind::text, true));  // an empty message
}

TEST(FrameTracker, EmptyNonFinalFramesAreSkippedAsBeastSkipsThem) {
    FrameTracker t(false);
    (void)t.on_read(cat({http(), frame(1, false, 0), frame(0, true, 6)}));
    EXPECT_TRUE(is(t.on_payload(6), Kind::continuation, true));
}
