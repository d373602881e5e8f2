#include "protocol/messages.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

using namespace ptalk::protocol;

TEST(ReplyStatus, DocumentedValuesRoundTrip) {
    for (auto s :
         {ReplyStatus::ok, ReplyStatus::error, ReplyStatus::invalid_command,
          ReplyStatus::invalid_param, ReplyStatus::not_supported, ReplyStatus::device_busy}) {
        EXPECT_EQ(reply_status_from_string(to_string(s)), s) << to_string(s);
    }
}

TEST(ReplyStatus, AnythingElseIsOther) {
    EXPECT_EQ(reply_status_from_string("OK"), ReplyStatus::other);
    EXPECT_EQ(reply_status_from_string(""), ReplyStatus::other);
    EXPECT_EQ(reply_status_from_string("ok "), ReplyStatus::other);
    EXPECT_EQ(reply_status_from_string("other"), ReplyStatus::other);
}

TEST(MessageKind, EveryAlternativeHasItsOwnName) {
    const DeviceMessage all[] = {Handshake{},    Reply{},     OtaAck{},      OtaNack{},
                                 FirmwarePull{}, VoiceText{}, VoiceBinary{}, Malformed{}};
    std::set<std::string_view> names;
    for (const auto& m : all)
        names.insert(message_kind(m));
    EXPECT_EQ(names.size(), std::variant_size_v<DeviceMessage>);
    EXPECT_EQ(message_kind(Handshake{}), "handshake");
    EXPECT_EQ(message_kind(Reply{}), "reply");
    EXPECT_EQ(message_kind(OtaAck{}), "ota_ack");
    EXPECT_EQ(message_kind(OtaNack{}), "ota_nack");
    EXPECT_EQ(message_kind(FirmwarePull{}), "firmware_pull");
    EXPECT_EQ(message_kind(VoiceText{}), "voice_text");
    EXPECT_EQ(message_kind(VoiceBinary{}), "voice_binary");
    EXPECT_EQ(message_kind(Malformed{}), "malformed");
}
