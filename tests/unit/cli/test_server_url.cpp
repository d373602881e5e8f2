#include "cli/server_url.hpp"

#include <gtest/gtest.h>

#include "cli/exit_code.hpp"

namespace ptalk::cli {
namespace {

TEST(ServerUrl, DefaultsPortAndScheme) {
    auto u = parse_server_url("http://127.0.0.1:8000");
    EXPECT_EQ(u.host, "127.0.0.1");
    EXPECT_EQ(u.port, 8000);
    EXPECT_EQ(u.base_path, "");
    u = parse_server_url("fleet.local");
    EXPECT_EQ(u.host, "fleet.local");
    EXPECT_EQ(u.port, 8000);
    EXPECT_EQ(u.to_string(), "http://fleet.local:8000");
}

TEST(ServerUrl, KeepsABasePathWithoutTrailingSlash) {
    auto u = parse_server_url("http://proxy:9000/ptalk/");
    EXPECT_EQ(u.port, 9000);
    EXPECT_EQ(u.base_path, "/ptalk");
    EXPECT_EQ(u.to_string(), "http://proxy:9000/ptalk");
}

TEST(ServerUrl, AcceptsBracketedV6) {
    auto u = parse_server_url("http://[::1]:8100");
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, 8100);
    EXPECT_EQ(u.to_string(), "http://[::1]:8100");
}

TEST(ServerUrl, HttpsIsTlsOnPort443UnlessGiven) {
    auto u = parse_server_url("https://fleet.example");
    EXPECT_TRUE(u.tls);
    EXPECT_EQ(u.port, 443);
    EXPECT_EQ(u.to_string(), "https://fleet.example:443");
    u = parse_server_url("https://127.0.0.1:8443/ptalk");
    EXPECT_TRUE(u.tls);
    EXPECT_EQ(u.port, 8443);
    EXPECT_EQ(u.base_path, "/ptalk");
    EXPECT_FALSE(parse_server_url("http://x").tls);
}

TEST(ServerUrl, RefusesWhatItCannotUseAsUsageErrors) {
    for (const char* bad : {"ftp://x", "http://:80", "http://x:0", "http://x:70000", "http://x:abc",
                            "http://x:", "http://[::1", "http://x/p?q=1"}) {
        try {
            (void)parse_server_url(bad);
            ADD_FAILURE() << bad;
        } catch (const CliError& e) {
            EXPECT_EQ(e.code(), ExitCode::usage) << bad;
            EXPECT_NE(std::string(e.what()).find("invalid server URL"), std::string::npos);
        }
    }
}

}  // namespace
}  // namespace ptalk::cli
