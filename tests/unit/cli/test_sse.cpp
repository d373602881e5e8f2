#include "cli/sse.hpp"

#include <gtest/gtest.h>

namespace ptalk::cli {
namespace {

TEST(SseParser, EventsSplitAcrossChunks) {
    SseParser p;
    std::vector<SseEvent> got;
    auto collect = [&](const SseEvent& e) { got.push_back(e); };
    p.feed(": keep-alive\n\nid: 1\nevent: device.online\nda", collect);
    EXPECT_TRUE(got.empty());
    p.feed("ta: {\"device_id\":\"x\"}\r\n\r\nid: 2\ndata: a\ndata: b\n\n", collect);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].id, "1");
    EXPECT_EQ(got[0].type, "device.online");
    EXPECT_EQ(got[0].data, "{\"device_id\":\"x\"}");
    EXPECT_EQ(got[1].type, "message");
    EXPECT_EQ(got[1].data, "a\nb");
    EXPECT_EQ(p.last_id(), "2");
}

}  // namespace
}  // namespace ptalk::cli
