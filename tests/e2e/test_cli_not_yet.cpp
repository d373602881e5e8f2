// Commands for features this server does not offer yet (OTA, rollouts): each
// says so in one line, exit 4, and nothing reaches a device.
#include "support/cli_fixture.hpp"

namespace ptalk::test {
namespace {

class NotYet : public CliFixture {
  protected:
    static std::int64_t commands_seen() { return fleet_->stats()[sim::Counter::commands]; }
    void expect_not_offered(const std::vector<std::string>& args, const std::string& feature) {
        const auto r = ptalk(args);
        EXPECT_EQ(r.code, 4) << args[0] << ": " << r.err;
        EXPECT_EQ(r.err,
                  "ptalk: this server does not offer " + feature + " yet (nothing was sent)\n")
            << args[0];
    }
};

TEST_F(NotYet, OtaAndRollouts) {
    const auto before = commands_seen();
    expect_not_offered({"ota", id(0), "--version", "1.0.6"}, "firmware updates");
    expect_not_offered({"ota", id(0), "--version", "1.0.6", "--watch"}, "firmware updates");
    expect_not_offered({"cmd", id(0), R"({"cmd":"request_ota","version":"1.0.6"})"},
                       "firmware updates");
    expect_not_offered(
        {"rollout", "create", "--version", "1.0.6", "--all", "--batch-percent", "20"}, "rollouts");
    expect_not_offered({"rollout", "list"}, "rollouts");
    for (const char* verb : {"show", "pause", "resume", "cancel", "watch"})
        expect_not_offered({"rollout", verb, "1"}, "rollouts");
    EXPECT_EQ(commands_seen(), before);
    // An unknown device is still reported as such.
    const auto r = ptalk({"ota", "24a160000009", "--version", "1.0.6"});
    EXPECT_EQ(r.code, 4);
    EXPECT_TRUE(r.err.find("did you mean") != std::string::npos) << r.err;
}

TEST_F(NotYet, RolloutNeedsATarget) {
    const auto r = ptalk({"rollout", "create", "--version", "1.0.6"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "ptalk: say which devices: --all, --firmware FROM or --device ID…\n");
}

}  // namespace
}  // namespace ptalk::test
