// What ptalk does without a fleet: help, usage errors, an unreachable server,
// where the server URL comes from. No ptalkd needed except where said.
#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "support/cli_runner.hpp"
#include "support/ptalkd_process.hpp"

namespace ptalk::test {
namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The discard port: nothing listens on it here, so connecting is refused.
std::string dead_url() {
    return "http://127.0.0.1:9";
}

TEST(Basics, HelpListsEveryCommandAndTheExitCodes) {
    const auto r = run_ptalk({"--help"});
    EXPECT_EQ(r.code, 0);
    for (const char* c : {"devices", "show", "set", "status", "reboot", "cmd", "history",
                          "firmware", "ota", "rollout", "events", "console"})
        EXPECT_TRUE(has(r.out, c)) << c;
    EXPECT_TRUE(has(r.out, "3 server unreachable")) << r.out;
}

TEST(Basics, UsageErrorsAreExitTwo) {
    EXPECT_EQ(run_ptalk({}).code, 2);
    EXPECT_EQ(run_ptalk({"frobnicate"}).code, 2);
    EXPECT_EQ(run_ptalk({"show"}).code, 2);
    EXPECT_EQ(run_ptalk({"reboot", "x", "--timeout", "0"}).code, 2);
    auto r = run_ptalk({"--server", "https://fleet:8443", "devices"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err,
              "ptalk: invalid server URL 'https://fleet:8443': https is not supported yet; use "
              "http://\n");
}

TEST(Basics, AnUnreachableServerIsExitThreeWithOneLine) {
    const auto r = run_ptalk({"--server", dead_url(), "devices"});
    EXPECT_EQ(r.code, 3);
    EXPECT_TRUE(r.out.empty());
    EXPECT_TRUE(has(r.err, "ptalk: cannot reach the server at http://127.0.0.1:9: ")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(run_ptalk({"--server", dead_url(), "console"}).code, 3);
}

TEST(Basics, TheServerComesFromTheEnvironmentOrTheConfigFile) {
    auto r = run_ptalk({"devices"}, {{"PTALK_SERVER", dead_url()}});
    EXPECT_EQ(r.code, 3);
    EXPECT_TRUE(has(r.err, "http://127.0.0.1:9")) << r.err;
    TempDir cfg;
    std::filesystem::create_directories(cfg.path() / "ptalk");
    std::ofstream(cfg.path() / "ptalk" / "config") << "# test\nserver = http://127.0.0.1:9\n";
    r = run_ptalk({"devices"}, {{"XDG_CONFIG_HOME", cfg.path().string()}});
    EXPECT_EQ(r.code, 3);
    EXPECT_TRUE(has(r.err, "http://127.0.0.1:9")) << r.err;
    r = run_ptalk({"--config", (cfg.path() / "missing").string(), "devices"});
    EXPECT_EQ(r.code, 2);
}

TEST(Basics, ATokenIsSentAndTheServerStillAnswers) {
    PtalkdProcess server;
    server.start();
    const auto url = "http://127.0.0.1:" + std::to_string(server.port());
    auto r = run_ptalk({"--server", url, "--token", "t0k", "devices"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "no devices yet\n");
    r = run_ptalk({"devices", "--json"}, {{"PTALK_SERVER", url}, {"PTALK_TOKEN", "t0k"}});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "{\"devices\":[],\"total\":0,\"next_cursor\":null}\n");
    server.terminate();
}

}  // namespace
}  // namespace ptalk::test
