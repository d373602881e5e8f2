#include "cli/api.hpp"

#include <gtest/gtest.h>

namespace ptalk::cli {
namespace {

TEST(Api, DeviceListPathCarriesEveryFilter) {
    DeviceFilter f;
    EXPECT_EQ(device_list_path(f), "/api/v1/devices?limit=100");
    f.online = false;
    f.firmware = "1.0.5";
    f.name = "Living R";
    f.sort = "last_seen";
    f.descending = true;
    f.limit = 5;
    f.cursor = "6162";
    EXPECT_EQ(device_list_path(f),
              "/api/v1/devices?online=false&firmware_version=1.0.5&name=Living%20R&sort=last_seen"
              "&order=desc&limit=5&cursor=6162");
}

TEST(Api, PercentEncodeKeepsUnreserved) {
    EXPECT_EQ(percent_encode("aZ0-_.~"), "aZ0-_.~");
    EXPECT_EQ(percent_encode("a&b=c/ü"), "a%26b%3Dc%2F%C3%BC");
}

}  // namespace
}  // namespace ptalk::cli
