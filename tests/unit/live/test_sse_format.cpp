#include "live/sse_format.hpp"

#include <gtest/gtest.h>

namespace ptalk::live {
namespace {

store::EventRecord ev(std::uint64_t id, std::string type, std::optional<std::string> device = {},
                      std::string data = "{}") {
    store::EventRecord e;
    e.id = id;
    e.time = 1700000000000;
    e.type = std::move(type);
    e.device_id = std::move(device);
    e.data = std::move(data);
    return e;
}

TEST(SseFormat, OneEventIsIdTypeAndOneDataLine) {
    const auto s = format_sse(ev(42, "device.online", "aabbccddeeff", R"({"remote":"x"})"));
    EXPECT_EQ(s,
              "id: 42\nevent: device.online\n"
              R"(data: {"id":42,"time_ms":1700000000000,"device_id":"aabbccddeeff",)"
              R"("type":"device.online","data":{"remote":"x"}})"
              "\n\n");
}

TEST(SseFormat, DataThatIsNotJsonIsAString) {
    const auto s = format_sse(ev(1, "x", {}, "not json"));
    EXPECT_NE(s.find(R"("device_id":null)"), std::string::npos);
    EXPECT_NE(s.find(R"("data":"not json")"), std::string::npos);
}

TEST(SseFormat, NewlinesNeverEndAFieldEarly) {
    const auto s = format_sse(ev(1, "evil\nevent: x", {}, "{\"a\":\"b\\nc\"}"));
    EXPECT_EQ(s.find("\nevent: x"), std::string::npos);
    // exactly one blank line: at the end
    EXPECT_EQ(s.find("\n\n"), s.size() - 2);
    const auto c = format_sse_comment("a\nb");
    EXPECT_EQ(c, ": a b\n\n");
}

TEST(EventMatch, DeviceAndTypePrefixes) {
    EventMatch all;
    EXPECT_TRUE(all.matches(ev(1, "device.online", "a")));
    EventMatch m;
    m.type_prefixes = {"ota.", "device.offline"};
    EXPECT_TRUE(m.matches(ev(1, "ota.progress")));
    EXPECT_TRUE(m.matches(ev(1, "device.offline")));
    EXPECT_FALSE(m.matches(ev(1, "device.online")));
    EXPECT_FALSE(m.matches(ev(1, "ot")));
    m.device_id = "aabbccddeeff";
    EXPECT_FALSE(m.matches(ev(1, "ota.progress")));
    EXPECT_FALSE(m.matches(ev(1, "ota.progress", "000000000000")));
    EXPECT_TRUE(m.matches(ev(1, "ota.progress", "aabbccddeeff")));
}

TEST(ResumePoint, LastEventIdWinsOverAfter) {
    EXPECT_FALSE(resume_point({}, {}).after);
    EXPECT_EQ(resume_point("7", "3").after, 7u);
    EXPECT_EQ(resume_point({}, "3").after, 3u);
    EXPECT_EQ(resume_point("", "3").after, 3u);
    EXPECT_FALSE(resume_point("x", {}).error.empty());
    EXPECT_FALSE(resume_point({}, "-1").error.empty());
    EXPECT_FALSE(resume_point({}, "1a").error.empty());
}

}  // namespace
}  // namespace ptalk::live
