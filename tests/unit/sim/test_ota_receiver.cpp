#include "sim/ota_receiver.hpp"

#include <gtest/gtest.h>

#include "sim/firmware_model.hpp"
#include "sim_test_support.hpp"

using namespace ptalk::sim;
using namespace ptalk::sim::test;
namespace proto = ptalk::protocol;
using namespace std::chrono_literals;

namespace {

std::string ack(std::uint32_t n) {
    return proto::encode_ota_ack(n);
}
std::string nack(std::uint32_t n) {
    return proto::encode_ota_nack(n);
}

class Ota : public ::testing::TestWithParam<Profile> {
  protected:
    FirmwareModel device(ModelOptions o = {}) {
        o.profile = GetParam();
        FirmwareModel m("24a160ff3b9c", {}, o);
        m.boot(t0);
        return m;
    }
    // Starts a transfer and checks the ok reply.
    static void offer(FirmwareModel& m, const Transfer& t) {
        auto r = m.on_text(t.request(), Clock::now());
        ASSERT_EQ(r.texts().size(), 1u);
        EXPECT_EQ(as_reply(r.texts()[0]).status, proto::ReplyStatus::ok);
    }
    // Sends every chunk in order and expects an ack for each.
    static void send_all(FirmwareModel& m, const Transfer& t, std::size_t from = 0) {
        for (std::size_t i = from; i < t.chunks.size(); ++i)
            EXPECT_EQ(m.on_binary(t.chunks[i], Clock::now()).texts(),
                      std::vector{ack(static_cast<std::uint32_t>(i))});
    }
    static Reaction complete(FirmwareModel& m) { return m.on_text("OTA_COMPLETE", Clock::now()); }

    TimePoint t0 = Clock::now();
};

}  // namespace

TEST_P(Ota, NackDuplicateAndGapThenSuccessRestartsIntoTheNewVersion) {
    auto m = device();
    auto t = good_transfer("1.0.6", 10'000);  // 5 chunks of 2048
    offer(m, t);
    EXPECT_EQ(m.on_binary(corrupt(t.chunks[0]), t0).texts(), std::vector{nack(0)});
    EXPECT_EQ(m.on_binary(t.chunks[0], t0).texts(), std::vector{ack(0)});
    auto dup = m.on_binary(t.chunks[0], t0);
    EXPECT_EQ(dup.texts(), std::vector{ack(0)});
    EXPECT_EQ(dup.event, Event::chunk_duplicate);
    EXPECT_EQ(m.on_binary(t.chunks[2], t0).texts(), std::vector{nack(2)});  // a gap
    send_all(m, t, 1);
    EXPECT_EQ(m.ota().bytes_written(), 10'000u);
    auto r = complete(m);
    EXPECT_EQ(r.event, Event::ota_ok);
    ASSERT_EQ(r.actions.size(), 2u) << r;
    EXPECT_TRUE(r.texts().empty());  // the device reports nothing itself
    EXPECT_EQ(r.actions[0], Action(Busy{1000ms}));
    EXPECT_EQ(r.actions[1], Action(Restart{}));
    EXPECT_EQ(m.settings().firmware_version, "1.0.6");
    m.boot(t0 + 2s);
    EXPECT_EQ(as_handshake(m.handshake(t0 + 2s)).firmware_version, "1.0.6");
}

TEST_P(Ota, TheFirstChunkStallsForThePartitionErase) {
    ModelOptions o;
    o.erase_stall = 4000ms;
    auto m = device(o);
    auto t = good_transfer();
    offer(m, t);
    auto first = m.on_binary(t.chunks[0], t0);
    ASSERT_EQ(first.actions.size(), 2u);
    EXPECT_EQ(first.actions[0], Action(Busy{4000ms}));
    EXPECT_EQ(first.actions[1], Action(SendText{ack(0)}));
    EXPECT_EQ(m.on_binary(t.chunks[1], t0).actions.size(), 1u);
}

TEST_P(Ota, AckDelayAndNackEveryFaults) {
    ModelOptions o;
    o.ack_delay = 20ms;
    o.ota.nack_every = 2;
    auto m = device(o);
    auto t = good_transfer();
    offer(m, t);
    EXPECT_EQ(m.on_binary(t.chunks[0], t0).actions,
              (std::vector<Action>{Busy{20ms}, SendText{ack(0)}}));
    EXPECT_EQ(m.on_binary(t.chunks[1], t0).texts(), std::vector{nack(1)});  // once
    EXPECT_EQ(m.on_binary(t.chunks[1], t0).texts(), std::vector{ack(1)});
}

TEST_P(Ota, AWrongImageIsAckedButNotInstalled) {
    auto m = device();
    std::vector<std::uint8_t> junk(6000, 0x42);
    auto t = make_transfer(junk, "9.9.9");
    offer(m, t);
    send_all(m, t);
    auto r = complete(m);
    EXPECT_EQ(r.event, Event::ota_failed);
    EXPECT_TRUE(r.actions.empty());
    EXPECT_EQ(m.settings().firmware_version, "1.0.1");
    EXPECT_TRUE(m.ota().broken());
    EXPECT_NE(m.last_ota()->reason.find("image"), std::string::npos) << m.last_ota()->reason;
}

TEST_P(Ota, AHashMismatchIsNotInstalledUnlessChecksAreOff) {
    auto t = good_transfer();
    t.offer.sha256 = std::string(64, 'a');
    auto m = device();
    offer(m, t);
    send_all(m, t);
    EXPECT_EQ(complete(m).event, Event::ota_failed);

    ModelOptions o;
    o.ota.verify_sha256 = false;
    auto lax = device(o);
    offer(lax, t);
    send_all(lax, t);
    EXPECT_EQ(complete(lax).event, Event::ota_ok);
}

TEST_P(Ota, ACutOffTransferLeavesTheUpdaterBrokenUntilReboot) {
    auto m = device();
    auto t = good_transfer();
    offer(m, t);
    (void)m.on_binary(t.chunks[0], t0);
    (void)m.on_binary(t.chunks[1], t0);
    m.on_link_lost();
    EXPECT_FALSE(m.ota().receiving());
    EXPECT_TRUE(m.ota().broken());
    // Same boot: the retry from seq 0 is acked, but appends to the half-written image.
    offer(m, t);
    send_all(m, t);
    EXPECT_EQ(complete(m).event, Event::ota_failed);
    EXPECT_EQ(m.settings().firmware_version, "1.0.1");
    // After a reboot the same transfer succeeds.
    m.boot(t0 + 5s);
    EXPECT_FALSE(m.ota().broken());
    offer(m, t);
    send_all(m, t);
    EXPECT_EQ(complete(m).event, Event::ota_ok);
    EXPECT_EQ(m.settings().firmware_version, "1.0.6");
}

TEST_P(Ota, DropDuringOtaLosesTheLinkOnSomeChunk) {
    ModelOptions o;
    o.drop_during_ota = 1.0;
    auto m = device(o);
    auto t = good_transfer();
    offer(m, t);
    bool dropped = false;
    for (auto& c : t.chunks) {
        auto r = m.on_binary(c, t0);
        if (!r.actions.empty() && r.actions.back() == Action(DropLink{})) {
            dropped = true;
            break;
        }
    }
    EXPECT_TRUE(dropped);
}

TEST_P(Ota, ChunksOutsideATransferAreAudio) {
    auto m = device();
    auto t = good_transfer();
    auto r = m.on_binary(t.chunks[0], t0);
    EXPECT_EQ(r.event, Event::audio);
    EXPECT_TRUE(r.actions.empty());
}

INSTANTIATE_TEST_SUITE_P(Sim, Ota, ::testing::Values(Profile::firmware, Profile::spec),
                         profile_name);

TEST(OtaReceiver, UnreadableChunksCannotBeNacked) {
    OtaReceiver rx;
    rx.begin({100, std::nullopt, std::nullopt});
    std::vector<std::uint8_t> tiny{1, 2, 3};
    auto r = rx.on_chunk(tiny);
    EXPECT_EQ(r.verdict, ChunkVerdict::unreadable);
    EXPECT_TRUE(r.reply.empty());
}

TEST(OtaReceiver, AnOversizeImageFails) {
    OtaReceiver rx(OtaReceiver::Options{0, true, 4096});
    auto t = good_transfer("2.0.0", 8192);
    rx.begin({t.offer.size, t.offer.sha256, t.offer.version});
    for (auto& c : t.chunks)
        EXPECT_EQ(rx.on_chunk(c).verdict, ChunkVerdict::written);
    auto v = rx.complete();
    EXPECT_FALSE(v.ok);
    EXPECT_TRUE(rx.broken());
}
