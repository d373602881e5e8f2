// The simulator against a small in-test WebSocket server that checks its
// frames against PROTOCOL.md, for both profiles.
#include <filesystem>

#include <gtest/gtest.h>

#include "protocol/device_id.hpp"
#include "sim/fleet.hpp"
#include "sim_test_support.hpp"
#include "ws_peer.hpp"

using namespace ptalk::sim;
using namespace ptalk::sim::test;
namespace proto = ptalk::protocol;

namespace {

FleetOptions fast_options(const WsPeer& peer, Profile p) {
    FleetOptions o;
    o.url = peer.url("/ws?token=abc");
    o.model.profile = p;
    o.model.reboot_drop_after = 50ms;
    o.model.ota_reboot_after = 50ms;
    o.model.ble_stall = 50ms;
    o.client.reboot_delay = 100ms;
    o.client.backoff = {50ms, 200ms, 0.0};
    o.tick = 20ms;
    return o;
}

class Peer : public ::testing::TestWithParam<Profile> {
  protected:
    bool firmware() const { return GetParam() == Profile::firmware; }
    // Starts a one-device fleet and returns its first connection, handshake checked.
    std::shared_ptr<WsPeer::Conn> start(FleetOptions o) {
        fleet.emplace(std::move(o));
        fleet->start();
        auto c = peer.next_connection();
        EXPECT_TRUE(c);
        if (c) expect_handshake(*c);
        return c;
    }
    proto::Handshake expect_handshake(WsPeer::Conn& c) {
        auto first = c.next_text();
        EXPECT_TRUE(first) << "no handshake";
        if (!first) return {};
        auto h = as_handshake(*first);
        EXPECT_EQ(h.device_id, fleet->ids().front());
        EXPECT_EQ(first->find('\n') != std::string::npos, firmware()) << *first;
        EXPECT_EQ(first->find(fleet->ids().front()) != std::string::npos, firmware()) << *first;
        return h;
    }
    proto::Reply ask(WsPeer::Conn& c, const std::string& text) {
        c.send_text(text);
        auto r = c.next_text();
        EXPECT_TRUE(r) << "no reply to " << text;
        return r ? as_reply(*r) : proto::Reply{};
    }

    WsPeer peer;
    std::optional<Fleet> fleet;
};

}  // namespace

TEST_P(Peer, HandshakeFirstThenEveryReply) {
    auto c = start(fast_options(peer, GetParam()));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->user_agent, "ESP32 Websocket Client");
    EXPECT_EQ(c->target, "/ws?token=abc");
    for (const auto& cmd :
         {proto::make_request_status(), *proto::make_set_volume(30),
          *proto::make_set_brightness(70), *proto::make_set_device_name("Hall")}) {
        auto r = ask(*c, wire(cmd));
        EXPECT_TRUE(proto::reply_answers(cmd, r)) << wire(cmd) << " -> " << r.raw;
    }
    EXPECT_EQ(ask(*c, R"({"cmd":"set_wifi","ssid":"a","password":"b"})").status,
              proto::ReplyStatus::not_supported);
    auto wrapped = ask(*c, R"({"cmd":"set_volume","volume":300})");
    if (firmware()) {
        EXPECT_EQ(wrapped.volume, 44);
    } else {
        EXPECT_EQ(wrapped.status, proto::ReplyStatus::invalid_param);
    }
    // The firmware stays silent on these: the next frame is request_status's answer.
    c->send_text(R"({"cmd":"set_volume"})");
    c->send_text(R"({"cmd":"no_such_command"})");
    auto status = proto::make_request_status();
    c->send_text(wire(status));
    int replies = 0;
    while (auto t = c->next_text(firmware() ? 3s : 1s)) {
        ++replies;
        if (as_reply(*t).uptime_sec) break;
    }
    EXPECT_EQ(replies, firmware() ? 1 : 3);
    auto s = fleet->stats();
    EXPECT_EQ(s[Counter::handshakes], 1);
    EXPECT_EQ(s.commands_of(proto::CommandKind::set_volume),
              3);  // 30, 300 and the one without a value
    EXPECT_EQ(fleet->device(fleet->ids().front())->settings.name, "Hall");
}

TEST_P(Peer, OtaWithANackAndADuplicateEndsInTheNewVersion) {
    auto c = start(fast_options(peer, GetParam()));
    ASSERT_TRUE(c);
    auto t = good_transfer("1.0.6", 9000);
    EXPECT_EQ(ask(*c, t.request()).status, proto::ReplyStatus::ok);
    auto answer = [&](const std::vector<std::uint8_t>& chunk) {
        c->send_binary(chunk);
        return c->next_text().value_or("(none)");
    };
    EXPECT_EQ(answer(corrupt(t.chunks[0])), proto::encode_ota_nack(0));
    EXPECT_EQ(answer(t.chunks[0]), proto::encode_ota_ack(0));
    EXPECT_EQ(answer(t.chunks[0]), proto::encode_ota_ack(0));  // a duplicate: acked again
    for (std::uint32_t i = 1; i < t.chunks.size(); ++i)
        EXPECT_EQ(answer(t.chunks[i]), proto::encode_ota_ack(i));
    c->send_text(std::string(proto::ota_complete_frame));
    // The device restarts without a close frame and comes back on the new version.
    EXPECT_TRUE(c->wait_closed());
    EXPECT_FALSE(c->closed_by_close_frame());
    auto again = peer.next_connection();
    ASSERT_TRUE(again);
    EXPECT_EQ(expect_handshake(*again).firmware_version, "1.0.6");
    auto s = fleet->stats();
    EXPECT_EQ(s[Counter::ota_ok], 1);
    EXPECT_EQ(s[Counter::ota_chunks_nacked], 1);
    EXPECT_EQ(s[Counter::ota_duplicates], 1);
}

TEST_P(Peer, RebootDropsWithoutACloseFrameAndReconnectsWithAHandshake) {
    auto c = start(fast_options(peer, GetParam()));
    ASSERT_TRUE(c);
    auto ack = ask(*c, wire(proto::make_reboot()));
    EXPECT_TRUE(proto::reply_answers(proto::make_reboot(), ack));
    EXPECT_EQ(ack.device_id.has_value(), !firmware());
    EXPECT_TRUE(c->wait_closed());
    EXPECT_FALSE(c->closed_by_close_frame());
    auto again = peer.next_connection();
    ASSERT_TRUE(again);
    expect_handshake(*again);
    auto d = fleet->device(fleet->ids().front());
    EXPECT_EQ(d->boots, 2u);
    EXPECT_EQ(fleet->stats()[Counter::reboots], 1);
}

TEST_P(Peer, ACloseFrameStrandsTheFirmwareButNotTheDocumentedDevice) {
    auto c = start(fast_options(peer, GetParam()));
    ASSERT_TRUE(c);
    c->send_close();
    EXPECT_TRUE(c->wait_closed());
    if (firmware()) {
        EXPECT_TRUE(fleet->wait_until([](auto& s) { return s[Counter::stranded_now] == 1; }, 3s));
        EXPECT_FALSE(peer.next_connection(400ms)) << "a stranded device never reconnects";
        EXPECT_TRUE(fleet->device(fleet->ids().front())->stranded);
        fleet->drop_link(fleet->ids().front());  // only a Wi-Fi drop brings it back
        EXPECT_TRUE(peer.next_connection());
    } else {
        EXPECT_TRUE(peer.next_connection());
        EXPECT_EQ(fleet->stats()[Counter::stranded], 0);
    }
}

TEST_P(Peer, OversizeFramesAreCutInto4096BytePieces) {
    auto c = start(fast_options(peer, GetParam()));
    ASSERT_TRUE(c);
    std::string first = R"({"cmd":"set_volume","volume":10})";
    first.resize(4096, ' ');
    std::string second = R"({"cmd":"set_brightness","brightness":20})";
    second.resize(904, ' ');
    c->send_text(first + second);  // one 5000-byte frame
    if (firmware()) {
        // Each piece is a whole message to the firmware.
        EXPECT_EQ(as_reply(c->next_text().value_or("")).volume, 10);
        EXPECT_EQ(as_reply(c->next_text().value_or("")).brightness, 20);
        EXPECT_EQ(fleet->stats()[Counter::pieces_cut], 1);
    } else {
        EXPECT_EQ(as_reply(c->next_text().value_or("")).status, proto::ReplyStatus::error);
    }
}

TEST_P(Peer, ContinuationFramesAreDroppedByTheFirmware) {
    auto c = start(fast_options(peer, GetParam()));
    ASSERT_TRUE(c);
    c->send_fragments({R"({"cmd":"set_vo)", R"(lume","volume":15})"});
    if (firmware()) {
        auto status = proto::make_request_status();
        auto r = ask(*c, wire(status));  // nothing came before it
        EXPECT_TRUE(proto::reply_answers(status, r));
        EXPECT_EQ(r.volume, 60);
        EXPECT_EQ(fleet->stats()[Counter::continuations_dropped], 1);
    } else {
        EXPECT_EQ(as_reply(c->next_text().value_or("")).volume, 15);
    }
}

TEST_P(Peer, BleConfigClosesAndStaysAwayUntilItsTime) {
    auto o = fast_options(peer, GetParam());
    o.model.ble_offline_for = 500ms;
    auto c = start(o);
    ASSERT_TRUE(c);
    auto cmd = proto::make_request_ble_config();
    EXPECT_TRUE(proto::reply_answers(cmd, ask(*c, wire(cmd))));
    EXPECT_TRUE(c->wait_closed());
    EXPECT_TRUE(c->closed_by_close_frame());
    EXPECT_FALSE(peer.next_connection(200ms));
    auto again = peer.next_connection();
    ASSERT_TRUE(again);
    expect_handshake(*again);
}

INSTANTIATE_TEST_SUITE_P(Sim, Peer, ::testing::Values(Profile::firmware, Profile::spec),
                         profile_name);

TEST(PeerFirmware, SettingsPersistAcrossARestartOfTheSimulator) {
    WsPeer peer;
    auto dir = std::filesystem::temp_directory_path() /
               ("ptalk-sim-persist-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    auto o = fast_options(peer, Profile::firmware);
    o.state_dir = dir;
    {
        Fleet fleet(o);
        fleet.start();
        auto c = peer.next_connection();
        ASSERT_TRUE(c);
        ASSERT_TRUE(c->next_text());
        c->send_text(wire(proto::make_set_volume(33)));
        ASSERT_TRUE(c->next_text());
        c->send_text(wire(proto::make_set_device_name("Kitchen")));
        ASSERT_TRUE(c->next_text());
        fleet.stop();
    }
    Fleet fleet(o);
    fleet.start();
    auto c = peer.next_connection();
    ASSERT_TRUE(c);
    auto h = as_handshake(c->next_text().value_or(""));
    EXPECT_EQ(h.device_name, "Kitchen");
    c->send_text(wire(proto::make_request_status()));
    auto r = as_reply(c->next_text().value_or(""));
    EXPECT_EQ(r.volume, 33);
    EXPECT_EQ(r.device_name, "Kitchen");
    fleet.stop();
    std::filesystem::remove_all(dir);
}

TEST(PeerFirmware, PingsAfterSilenceAndStaysUpWhenAnswered) {
    WsPeer peer;
    auto o = fast_options(peer, Profile::firmware);
    o.client.ping_after = 100ms;
    o.client.pong_timeout = 2000ms;  // generous: a loaded CI machine must not fail this
    Fleet fleet(o);
    fleet.start();
    auto c = peer.next_connection();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->next_text());
    EXPECT_TRUE(fleet.wait_until([](auto& s) { return s[Counter::pings_sent] >= 3; }, 5s));
    EXPECT_EQ(fleet.stats()[Counter::keepalive_timeouts], 0);
    EXPECT_EQ(fleet.stats()[Counter::connected], 1);
    EXPECT_GE(c->pings, 1);
}

TEST(PeerFirmware, PullsFirmwareAndMakesVoiceNoise) {
    WsPeer peer;
    auto o = fast_options(peer, Profile::firmware);
    o.voice_noise = true;
    o.voice_every = 50ms;
    Fleet fleet(o);
    fleet.start();
    auto c = peer.next_connection();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->next_text());
    fleet.pull_firmware(fleet.ids().front(), "1.0.7");
    bool pulled = false, started = false, audio = false;
    for (int i = 0; i < 40 && !(pulled && started && audio); ++i) {
        auto f = c->next();
        ASSERT_TRUE(f);
        auto m = proto::parse_device_frame(f->data, f->binary);
        if (auto* p = std::get_if<proto::FirmwarePull>(&m)) pulled = p->version == "1.0.7";
        if (auto* v = std::get_if<proto::VoiceText>(&m)) started = started || v->text == "START";
        audio = audio || std::holds_alternative<proto::VoiceBinary>(m);
    }
    EXPECT_TRUE(pulled);
    EXPECT_TRUE(started);
    EXPECT_TRUE(audio);
}

TEST(PeerFleet, ManyDevicesOnTwoThreadsEachHandshakeOnce) {
    WsPeer peer;
    auto o = fast_options(peer, Profile::firmware);
    o.count = 20;
    o.threads = 2;
    o.ids.seed = 9;
    Fleet fleet(o);
    fleet.start();
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        auto c = peer.next_connection();
        ASSERT_TRUE(c);
        seen.insert(as_handshake(c->next_text().value_or("")).device_id);
    }
    EXPECT_EQ(seen, std::set<std::string>(fleet.ids().begin(), fleet.ids().end()));
    EXPECT_TRUE(fleet.wait_until([](auto& s) { return s[Counter::connected] == 20; }, 3s));
    fleet.stop();
    EXPECT_EQ(fleet.stats()[Counter::connected], 0);
    EXPECT_EQ(fleet.stats()[Counter::stranded], 0);
}

TEST(FleetLimits, MoreDevicesThanFileDescriptorsIsRefusedWithAdvice) {
    try {
        check_fd_limit(10'000'000);
        FAIL() << "no refusal";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("--id-offset"), std::string::npos) << e.what();
    }
}
