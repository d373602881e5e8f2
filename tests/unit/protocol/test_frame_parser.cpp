#include "protocol/frame_parser.hpp"

#include <gtest/gtest.h>

using namespace ptalk::protocol;

TEST(FrameParser, FieldHandshakeIsLowerCasedAndPrettyPrinted) {
    const auto m = parse_device_frame(
        "{\n\t\"cmd\":\t\"device_handshake\",\n\t\"device_id\":\t\"24A160FF3B9C\",\n"
        "\t\"firmware_version\":\t\"1.0.1\",\n\t\"battery_percent\":\t85\n}",
        false);
    const auto* h = std::get_if<Handshake>(&m);
    ASSERT_NE(h, nullptr) << message_kind(m);
    EXPECT_EQ(h->device_id, "24a160ff3b9c");
    EXPECT_EQ(h->battery_percent, 85);
}

TEST(FrameParser, FirstDuplicateKeyWinsCaseInsensitively) {
    const auto m = parse_device_frame(R"({"status":"ok","Volume":30,"volume":50})", false);
    const auto* r = std::get_if<Reply>(&m);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->volume, 30);
}

TEST(FrameParser, TrailingBytesAfterTheFirstValueAreIgnored) {
    const auto m = parse_device_frame(R"({"ota_ack":3} garbage)", false);
    ASSERT_TRUE(std::holds_alternative<OtaAck>(m));
    EXPECT_EQ(std::get<OtaAck>(m).seq, 3u);
}

TEST(FrameParser, DeepNestingIsAnError) {
    const std::string deep(10000, '[');
    const auto m = parse_device_frame(deep, false);
    ASSERT_TRUE(std::holds_alternative<Malformed>(m));
    EXPECT_EQ(std::get<Malformed>(m).error, make_error_code(error::too_deep));
}
