#include "sim/ws_url.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

using namespace ptalk::sim;

TEST(WsUrl, KeepsPathAndQuery) {
    auto u = parse_ws_url("ws://127.0.0.1:8000/ws?token=abc");
    EXPECT_FALSE(u.tls);
    EXPECT_EQ(u.host, "127.0.0.1");
    EXPECT_EQ(u.port, "8000");
    EXPECT_EQ(u.target, "/ws?token=abc");
    EXPECT_EQ(u.host_header(), "127.0.0.1:8000");
}

TEST(WsUrl, DefaultsPortAndPath) {
    auto u = parse_ws_url("wss://example.test");
    EXPECT_TRUE(u.tls);
    EXPECT_EQ(u.port, "443");
    EXPECT_EQ(u.target, "/");
}

TEST(WsUrl, Ipv6LiteralsLoseTheirBracketsExceptInTheHostHeader) {
    auto u = parse_ws_url("ws://[::1]:9000/ws");
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.host_header(), "[::1]:9000");
}

TEST(WsUrl, RefusesOtherSchemes) {
    EXPECT_THROW((void)parse_ws_url("http://127.0.0.1/ws"), std::invalid_argument);
    EXPECT_THROW((void)parse_ws_url("not a url"), std::invalid_argument);
}
