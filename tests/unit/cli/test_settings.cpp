#include "cli/settings.hpp"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "cli/exit_code.hpp"

namespace ptalk::cli {
namespace {

TEST(ConfigText, ReadsKeyValueLinesCommentsAndQuotes) {
    const auto m = parse_config_text(
        "# ptalk\n\nserver = http://fleet:8000\n  token='abc def'  \r\nempty =\n", "cfg");
    EXPECT_EQ(m.at("server"), "http://fleet:8000");
    EXPECT_EQ(m.at("token"), "abc def");
    EXPECT_EQ(m.at("empty"), "");
}

TEST(ConfigText, NamesTheBadLine) {
    try {
        (void)parse_config_text("server = x\njunk\n", "/home/u/.config/ptalk/config");
        FAIL();
    } catch (const CliError& e) {
        EXPECT_EQ(e.code(), ExitCode::usage);
        EXPECT_STREQ(e.what(), "/home/u/.config/ptalk/config:2: expected 'key = value'");
    }
}

class LoadSettings : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("ptalk-settings-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_ / "ptalk");
        std::ofstream(dir_ / "ptalk" / "config") << "server = http://file:1\ntoken = from-file\n";
        ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
        ::unsetenv("PTALK_SERVER");
        ::unsetenv("PTALK_TOKEN");
    }
    void TearDown() override {
        ::unsetenv("XDG_CONFIG_HOME");
        ::unsetenv("PTALK_SERVER");
        ::unsetenv("PTALK_TOKEN");
        std::filesystem::remove_all(dir_);
    }
    std::filesystem::path dir_;
};

TEST_F(LoadSettings, FlagBeatsEnvironmentBeatsFile) {
    auto s = load_settings({});
    EXPECT_EQ(s.server, "http://file:1");
    EXPECT_EQ(s.token, "from-file");
    ::setenv("PTALK_SERVER", "http://env:2", 1);
    ::setenv("PTALK_TOKEN", "from-env", 1);
    s = load_settings({});
    EXPECT_EQ(s.server, "http://env:2");
    EXPECT_EQ(s.token, "from-env");
    SettingsOverrides flags;
    flags.server = "http://flag:3";
    flags.token = "from-flag";
    s = load_settings(flags);
    EXPECT_EQ(s.server, "http://flag:3");
    EXPECT_EQ(s.token, "from-flag");
}

TEST_F(LoadSettings, TheCaFileComesFromTheFlagOrTheEnvironment) {
    EXPECT_EQ(load_settings({}).ca_file, "");
    ::setenv("PTALK_CA_FILE", "/env/ca.pem", 1);
    EXPECT_EQ(load_settings({}).ca_file, "/env/ca.pem");
    SettingsOverrides flags;
    flags.ca_file = "/flag/ca.pem";
    EXPECT_EQ(load_settings(flags).ca_file, "/flag/ca.pem");
    ::unsetenv("PTALK_CA_FILE");
}

TEST_F(LoadSettings, DefaultsWithoutAFileAndAMissingExplicitFileIsAnError) {
    std::filesystem::remove(dir_ / "ptalk" / "config");
    const auto s = load_settings({});
    EXPECT_EQ(s.server, default_server);
    EXPECT_EQ(s.token, "");
    SettingsOverrides o;
    o.config_file = dir_ / "nope";
    try {
        (void)load_settings(o);
        FAIL();
    } catch (const CliError& e) {
        EXPECT_EQ(e.code(), ExitCode::usage);
    }
}

TEST_F(LoadSettings, TheLocalServersTokenFileIsTheLastResortAndNeverGoesRemote) {
    std::filesystem::remove(dir_ / "ptalk" / "config");
    const auto data = dir_ / "data";
    std::filesystem::create_directories(data);
    std::ofstream(data / "admin.token") << "ptk_from_the_file\n";
    SettingsOverrides o;
    o.data_dir = data;
    EXPECT_EQ(load_settings(o).token, "ptk_from_the_file");
    ::setenv("PTALK_DATA_DIR", data.c_str(), 1);
    EXPECT_EQ(load_settings({}).token, "ptk_from_the_file");
    o.server = "http://localhost:9000";
    EXPECT_EQ(load_settings(o).token, "ptk_from_the_file");
    o.server = "http://[::1]:9000";
    EXPECT_EQ(load_settings(o).token, "ptk_from_the_file");
    o.server = "http://fleet.example:8000";  // a remote server never gets it
    EXPECT_EQ(load_settings(o).token, "");
    o.server.reset();
    ::setenv("PTALK_TOKEN", "from-env", 1);  // anything else given wins
    EXPECT_EQ(load_settings(o).token, "from-env");
    ::unsetenv("PTALK_DATA_DIR");
    EXPECT_TRUE(is_loopback_host("127.0.0.2"));
    EXPECT_FALSE(is_loopback_host("10.0.0.1"));
}

}  // namespace
}  // namespace ptalk::cli
