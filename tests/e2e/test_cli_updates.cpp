// ptalk ota and ptalk rollout against a real ptalkd and ptalk-sim devices.
#include <fstream>

#include <boost/json/parse.hpp>

#include "protocol/firmware_image.hpp"
#include "support/cli_fixture.hpp"

namespace ptalk::test {
namespace {

namespace json = boost::json;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class UpdatesCli : public CliFixture {
  protected:
    std::string upload(std::string_view version, std::size_t size = 128 * 1024) {
        const auto path = dir_.path() / (std::string(version) + ".bin");
        const auto bytes = protocol::make_test_firmware_image(version, size);
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
        auto r = ptalk({"firmware", "upload", path.string()});
        EXPECT_EQ(r.code, 0) << r.err;
        return path.string();
    }
    TempDir dir_;
};

TEST_F(UpdatesCli, OtaOneDeviceAndWatchIt) {
    upload("7.0.0");
    auto r = ptalk({"ota", id(0), "--version", "7.0.0", "--watch"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "succeeded")) << r.out;
    EXPECT_EQ(device(0).settings.firmware_version, "7.0.0");
    // Already there: the server says so, exit code 4 (refused), one line.
    r = ptalk({"ota", id(0), "--version", "7.0.0"});
    EXPECT_NE(r.code, 0);
    EXPECT_TRUE(has(r.err, "already runs 7.0.0")) << r.err;
    // Unknown version and unknown device: one readable line each.
    r = ptalk({"ota", id(0), "--version", "0.0.1"});
    EXPECT_NE(r.code, 0);
    EXPECT_TRUE(has(r.err, "no firmware 0.0.1")) << r.err;
    r = ptalk({"ota", "24a160000009", "--version", "7.0.0"});
    EXPECT_NE(r.code, 0);
    EXPECT_TRUE(has(r.err, "did you mean")) << r.err;
}

TEST_F(UpdatesCli, RawRequestOtaStartsAnUpdate) {
    upload("7.1.0");
    auto r = ptalk({"cmd", id(1), R"({"cmd":"request_ota","version":"7.1.0"})"});
    EXPECT_EQ(r.code, 0) << r.err;
    ASSERT_TRUE(eventually([&] { return device(1).settings.firmware_version == "7.1.0"; }, 60s));
}

TEST_F(UpdatesCli, RolloutCreateWatchListShow) {
    upload("8.0.0");
    // The fixture also knows a device that is gone for good: with --all the
    // rollout would wait for it (offline devices are updated when they return).
    auto r = ptalk({"rollout", "create", "--version", "8.0.0", "--device", id(0), "--device", id(1),
                    "--device", id(2), "--batch-size", "1", "--max-concurrent", "1"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "of 8.0.0: running")) << r.out;
    const auto id_text = r.out.substr(8, r.out.find(' ', 8) - 8);  // "rollout N of ..."
    r = ptalk({"rollout", "watch", id_text});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "completed")) << r.out;
    for (std::size_t i = 0; i < fleet_size; ++i)
        EXPECT_EQ(device(i).settings.firmware_version, "8.0.0") << i;
    r = ptalk({"rollout", "list"});
    EXPECT_TRUE(has(r.out, "rollout " + id_text + "  8.0.0  completed")) << r.out;
    r = ptalk({"rollout", "show", id_text});
    EXPECT_TRUE(has(r.out, "DEVICE")) << r.out;
    EXPECT_TRUE(has(r.out, id(0))) << r.out;
    r = ptalk({"--json", "rollout", "show", id_text});
    EXPECT_EQ(json::parse(r.out).at("state").as_string(), "completed");
}

TEST_F(UpdatesCli, RolloutPauseResumeCancel) {
    upload("8.1.0");
    auto r =
        ptalk({"rollout", "create", "--version", "8.1.0", "--device", id(2), "--batch-size", "1"});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto id_text = r.out.substr(8, r.out.find(' ', 8) - 8);
    r = ptalk({"rollout", "pause", id_text});
    // It may have finished already (one small image): paused or a clear refusal.
    if (r.code == 0) {
        EXPECT_TRUE(has(r.out, "paused")) << r.out;
        r = ptalk({"rollout", "resume", id_text});
        EXPECT_EQ(r.code, 0) << r.err;
        EXPECT_TRUE(has(r.out, "running")) << r.out;
    } else {
        EXPECT_TRUE(has(r.err, "cannot pause")) << r.err;
    }
    r = ptalk({"rollout", "cancel", "999"});
    EXPECT_NE(r.code, 0);
    EXPECT_TRUE(has(r.err, "no such rollout")) << r.err;
}

TEST_F(UpdatesCli, RolloutNeedsATarget) {
    const auto r = ptalk({"rollout", "create", "--version", "1.0.6"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "ptalk: say which devices: --all, --firmware FROM or --device ID…\n");
}

}  // namespace
}  // namespace ptalk::test
