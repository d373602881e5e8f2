// The chunk window stepped by hand: acks, nacks, the answers of abandoned
// windows, timeouts and retries, and the end of the stream.
#include "ota/chunk_sender.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ptalk::ota {
namespace {

using namespace std::chrono_literals;
using Seqs = std::vector<std::uint32_t>;

const Clock::time_point t0{};

SenderOptions opts(std::uint32_t window, std::uint32_t chunk = 100, std::uint32_t retries = 3) {
    SenderOptions o;
    o.chunk_size = chunk;
    o.window = window;
    o.ack_timeout = 1s;
    o.first_ack_timeout = 10s;
    o.max_retries = retries;
    return o;
}

TEST(ChunkSender, CutsTheImageIntoChunks) {
    ChunkSender s(1050, opts(4));
    EXPECT_EQ(s.total_chunks(), 11u);
    EXPECT_EQ(s.offset(10), 1000u);
    EXPECT_EQ(s.length(10), 50u);
    EXPECT_EQ(s.length(3), 100u);
    EXPECT_EQ(s.length(11), 0u);
}

TEST(ChunkSender, ClampsChunkSizeToWhatTheDeviceTakes) {
    ChunkSender s(100'000, opts(1, 10'000));
    EXPECT_EQ(s.options().chunk_size, 4084u);
    ChunkSender z(100, opts(0, 0));
    EXPECT_EQ(z.options().chunk_size, 1u);
    EXPECT_EQ(z.options().window, 1u);
}

TEST(ChunkSender, StopAndWaitSendsOneChunkPerAck) {
    ChunkSender s(300, opts(1));
    auto a = s.begin(t0);
    EXPECT_EQ(a.send, Seqs{0});
    ASSERT_TRUE(a.arm);
    EXPECT_EQ(*a.arm, t0 + 10s) << "the first ack waits for the partition erase";
    a = s.on_ack(0, t0 + 1ms);
    EXPECT_EQ(a.send, Seqs{1});
    EXPECT_EQ(*a.arm, t0 + 1ms + 1s);
    EXPECT_TRUE(a.progressed);
    a = s.on_ack(1, t0 + 2ms);
    EXPECT_EQ(a.send, Seqs{2});
    a = s.on_ack(2, t0 + 3ms);
    EXPECT_TRUE(a.send.empty());
    EXPECT_TRUE(a.send_complete);
    EXPECT_TRUE(a.cancel_timer);
    EXPECT_EQ(s.state(), ChunkSender::State::complete);
    EXPECT_EQ(s.bytes_acked(), 300u);
    EXPECT_EQ(s.chunks_sent(), 3u);
}

TEST(ChunkSender, WindowKeepsChunksInFlight) {
    ChunkSender s(1000, opts(4));
    auto a = s.begin(t0);
    EXPECT_EQ(a.send, (Seqs{0, 1, 2, 3}));
    a = s.on_ack(0, t0);
    EXPECT_EQ(a.send, Seqs{4});
    a = s.on_ack(1, t0);
    EXPECT_EQ(a.send, Seqs{5});
    EXPECT_EQ(s.acked_chunks(), 2u);
    EXPECT_EQ(s.bytes_acked(), 200u);
}

TEST(ChunkSender, AnAckCoversEverythingBeforeIt) {
    ChunkSender s(1000, opts(4));
    (void)s.begin(t0);
    auto a = s.on_ack(2, t0);  // acks of 0 and 1 never seen: the device writes in order
    EXPECT_EQ(s.acked_chunks(), 3u);
    EXPECT_EQ(a.send, (Seqs{4, 5, 6}));
}

TEST(ChunkSender, DuplicateAcksAreHarmless) {
    ChunkSender s(1000, opts(2));
    (void)s.begin(t0);
    (void)s.on_ack(0, t0);
    auto a = s.on_ack(0, t0);
    EXPECT_FALSE(a.progressed);
    EXPECT_EQ(s.acked_chunks(), 1u);
    EXPECT_EQ(s.state(), ChunkSender::State::sending);
}

TEST(ChunkSender, NackGoesBackToTheFirstUnackedChunk) {
    ChunkSender s(1000, opts(4));
    (void)s.begin(t0);          // 0 1 2 3 in flight
    (void)s.on_ack(0, t0);      // sends 4
    auto a = s.on_nack(1, t0);  // 1 rejected: the device still expects 1
    EXPECT_EQ(a.send, (Seqs{1, 2, 3, 4}));
    EXPECT_EQ(s.nacks(), 1u);
    EXPECT_EQ(s.go_backs(), 1u);
    // 2, 3 and 4 of the abandoned window arrive out of order for the device and
    // are nacked ("seq skips ahead"): expected, not a reason to go back again.
    for (std::uint32_t seq : {2u, 3u, 4u}) {
        a = s.on_nack(seq, t0);
        EXPECT_TRUE(a.send.empty()) << seq;
        EXPECT_FALSE(a.failed);
    }
    EXPECT_EQ(s.go_backs(), 1u);
    a = s.on_ack(1, t0);
    EXPECT_EQ(a.send, Seqs{5});
    EXPECT_EQ(s.acked_chunks(), 2u);
}

TEST(ChunkSender, NackInTheNewWindowGoesBackAgain) {
    ChunkSender s(1000, opts(2));
    (void)s.begin(t0);          // 0 1
    (void)s.on_nack(0, t0);     // resend 0 1; 1 of the old window still due
    (void)s.on_nack(1, t0);     // the old window's 1: ignored
    auto a = s.on_nack(0, t0);  // the new window's 0 rejected again
    EXPECT_EQ(a.send, (Seqs{0, 1}));
    EXPECT_EQ(s.go_backs(), 2u);
}

TEST(ChunkSender, RetriesResetWhenTheWindowMoves) {
    ChunkSender s(1000, opts(1, 100, 1));
    (void)s.begin(t0);
    (void)s.on_nack(0, t0);  // retry 1 of 1
    (void)s.on_ack(0, t0);   // progress
    auto a = s.on_nack(1, t0);
    EXPECT_FALSE(a.failed) << "a nack every few chunks never fails a transfer";
    EXPECT_EQ(a.send, Seqs{1});
}

TEST(ChunkSender, TooManyNacksInARowFail) {
    ChunkSender s(1000, opts(1, 100, 2));
    (void)s.begin(t0);
    (void)s.on_nack(0, t0);
    (void)s.on_nack(0, t0);
    auto a = s.on_nack(0, t0);
    ASSERT_TRUE(a.failed);
    EXPECT_NE(a.failed->find("chunk 0 rejected"), std::string::npos) << *a.failed;
    EXPECT_TRUE(a.cancel_timer);
    EXPECT_EQ(s.state(), ChunkSender::State::failed);
    EXPECT_TRUE(s.on_ack(0, t0).send.empty()) << "nothing after the end";
}

TEST(ChunkSender, TimeoutResendsTheWindow) {
    ChunkSender s(1000, opts(3));
    (void)s.begin(t0);
    EXPECT_TRUE(s.on_timer(t0 + 9s).send.empty()) << "before the deadline: a late timer";
    auto a = s.on_timer(t0 + 10s);
    EXPECT_EQ(a.send, (Seqs{0, 1, 2}));
    EXPECT_EQ(s.timeouts(), 1u);
    ASSERT_TRUE(a.arm);
    // The stalled device answers the old frames after all: acks count.
    a = s.on_ack(0, t0 + 11s);
    EXPECT_TRUE(a.progressed);
    EXPECT_EQ(a.send, Seqs{3});
    EXPECT_EQ(*a.arm, t0 + 11s + 1s) << "later chunks get the normal ack timeout";
}

TEST(ChunkSender, TimeoutsWithoutProgressFail) {
    ChunkSender s(1000, opts(2, 100, 2));
    (void)s.begin(t0);
    auto now = t0 + 10s;
    (void)s.on_timer(now);
    (void)s.on_timer(now += 10s);
    auto a = s.on_timer(now += 10s);
    ASSERT_TRUE(a.failed);
    EXPECT_NE(a.failed->find("no ack for chunk 0"), std::string::npos) << *a.failed;
}

TEST(ChunkSender, CompletesOnceWhateverArrivesAfter) {
    ChunkSender s(250, opts(8));
    auto a = s.begin(t0);
    EXPECT_EQ(a.send, (Seqs{0, 1, 2}));
    a = s.on_ack(2, t0);
    EXPECT_TRUE(a.send_complete);
    EXPECT_FALSE(s.on_ack(2, t0).send_complete);
    EXPECT_FALSE(s.on_timer(t0 + 1h).failed);
}

// A lossless simulated device with a fault on a few chunks: the whole stream
// arrives in order whatever the window.
struct FakeDevice {
    std::uint32_t expected = 0;
    std::vector<std::uint32_t> faults;  // nack these seqs on their first delivery
    struct Answer {
        bool ack;
        std::uint32_t seq;
    };
    Answer take(std::uint32_t seq) {
        if (seq < expected) return {true, seq};
        if (seq > expected) return {false, seq};
        if (auto it = std::find(faults.begin(), faults.end(), seq); it != faults.end()) {
            faults.erase(it);
            return {false, seq};
        }
        ++expected;
        return {true, seq};
    }
};

void run_to_end(std::uint32_t window) {
    ChunkSender s(10'000, opts(window, 100, 3));
    FakeDevice dev{0, {7, 14, 21, 50, 99}};
    std::deque<std::uint32_t> wire;
    auto push = [&](const SenderActions& a) {
        for (auto seq : a.send)
            wire.push_back(seq);
        return a.send_complete;
    };
    bool done = push(s.begin(t0));
    int steps = 0;
    while (!done && !wire.empty() && ++steps < 100'000) {
        auto ans = dev.take(wire.front());
        wire.pop_front();
        done = push(ans.ack ? s.on_ack(ans.seq, t0) : s.on_nack(ans.seq, t0));
    }
    EXPECT_TRUE(done) << "window " << window;
    EXPECT_EQ(dev.expected, 100u);
    EXPECT_EQ(s.nacks(), 5u) << "one go-back per real fault, none for the abandoned frames";
}

TEST(ChunkSender, DeliversEverythingInOrderWhateverTheWindow) {
    for (std::uint32_t w : {1u, 2u, 8u, 32u, 200u})
        run_to_end(w);
}

}  // namespace
}  // namespace ptalk::ota
