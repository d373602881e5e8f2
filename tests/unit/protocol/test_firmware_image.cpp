#include "protocol/firmware_image.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace ptalk::protocol;
using namespace ptalk::protocol::test;

namespace {

result<FirmwareImageInfo> inspect(const std::vector<std::uint8_t>& img) {
    return inspect_firmware_image(img, img.size());
}

}  // namespace

TEST(TestFirmwareImage, HasTheRequestedSizeAndTheEsp32Layout) {
    const auto img = make_test_firmware_image("1.0.6", 100000);
    ASSERT_EQ(img.size(), 100000u);
    EXPECT_EQ(img[0], 0xE9);
    // The application descriptor's magic, little-endian, after the first segment header.
    EXPECT_EQ(img[esp_app_desc_offset + 0], 0x32);
    EXPECT_EQ(img[esp_app_desc_offset + 1], 0x54);
    EXPECT_EQ(img[esp_app_desc_offset + 2], 0xCD);
    EXPECT_EQ(img[esp_app_desc_offset + 3], 0xAB);
}

TEST(TestFirmwareImage, IsNeverSmallerThanTheDescriptorPrefix) {
    EXPECT_EQ(make_test_firmware_image("1.0.6", 0).size(), esp_image_prefix_bytes);
    EXPECT_EQ(make_test_firmware_image("1.0.6", esp_image_prefix_bytes).size(),
              esp_image_prefix_bytes);
}

TEST(TestFirmwareImage, IsDeterministicInItsSeed) {
    EXPECT_EQ(make_test_firmware_image("1.0.6", 5000, "ptalk", 3),
              make_test_firmware_image("1.0.6", 5000, "ptalk", 3));
    EXPECT_NE(make_test_firmware_image("1.0.6", 5000, "ptalk", 3),
              make_test_firmware_image("1.0.6", 5000, "ptalk", 4));
}

TEST(InspectFirmwareImage, RoundTripsVersionAndProject) {
    const auto img = make_test_firmware_image("1.0.6", 200000, "ptalk-fw");
    const auto info = inspect(img);
    ASSERT_TRUE(info.has_value()) << info.error().message();
    EXPECT_EQ(info->version, "1.0.6");
    EXPECT_EQ(info->project_name, "ptalk-fw");
    EXPECT_EQ(info->idf_version, "v4.4.6");
    EXPECT_EQ(info->build_date, "Nov 26 2026 12:00:00");
    EXPECT_EQ(info->secure_version, 0u);
}

TEST(InspectFirmwareImage, DefaultProjectName) {
    EXPECT_EQ(inspect(make_test_firmware_image("2.0.0", 4096)).value().project_name, "ptalk");
}

TEST(InspectFirmwareImage, LongestVersionIsKeptAndLongerOnesAreCut) {
    const std::string v31(31, '9');
    EXPECT_EQ(inspect(make_test_firmware_image(v31, 4096)).value().version, v31);
    EXPECT_EQ(inspect(make_test_firmware_image(std::string(40, '9'), 4096)).value().version, v31);
}

TEST(InspectFirmwareImage, UnterminatedVersionIsRejected) {
    // Found by fuzzing: 32 version bytes without a NUL read as a 32-byte
    // version, which request_ota (at most 31 bytes) could never offer.
    auto img = make_test_firmware_image("1.0.6", 4096);
    std::fill_n(img.begin() + esp_app_desc_offset + 16, 32, std::uint8_t{'7'});
    EXPECT_EQ(inspect(img).error(), err(error::no_app_descriptor));
}

TEST(InspectFirmwareImage, UnterminatedOtherFieldsReadAsEmpty) {
    auto img = make_test_firmware_image("1.0.6", 4096);
    std::fill_n(img.begin() + esp_app_desc_offset + 48, 32, std::uint8_t{'p'});
    const auto info = inspect(img);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->project_name, "");
    EXPECT_EQ(info->version, "1.0.6");
}

TEST(InspectFirmwareImage, APrefixIsEnoughWithTheTotalSizeGivenApart) {
    const auto img = make_test_firmware_image("1.0.6", 1 << 20);
    const auto info =
        inspect_firmware_image(std::span(img).first(esp_image_prefix_bytes), img.size());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->version, "1.0.6");
}

TEST(InspectFirmwareImage, NotStartingWith0xE9IsNotAnImage) {
    auto img = make_test_firmware_image("1.0.6", 4096);
    img[0] = 0xE8;
    EXPECT_EQ(inspect(img).error(), err(error::not_esp32_image));
    const std::vector<std::uint8_t> text{'P', 'K', 3, 4};
    EXPECT_EQ(inspect(text).error(), err(error::not_esp32_image));
}

TEST(InspectFirmwareImage, MissingDescriptorMagic) {
    auto img = make_test_firmware_image("1.0.6", 4096);
    img[esp_app_desc_offset] = 0;
    EXPECT_EQ(inspect(img).error(), err(error::no_app_descriptor));
    img = make_test_firmware_image("1.0.6", 4096);
    img[esp_app_desc_offset + 3] = 0xAC;
    EXPECT_EQ(inspect(img).error(), err(error::no_app_descriptor));
}

TEST(InspectFirmwareImage, DescriptorWithoutAVersionIsRejected) {
    EXPECT_EQ(inspect(make_test_firmware_image("", 4096)).error(), err(error::no_app_descriptor));
    auto img = make_test_firmware_image("1.0.6", 4096);
    img[esp_app_desc_offset + 16] = 0x07;  // a control character in the version
    EXPECT_EQ(inspect(img).error(), err(error::no_app_descriptor));
}

TEST(InspectFirmwareImage, TooSmall) {
    const auto img = make_test_firmware_image("1.0.6", 4096);
    EXPECT_EQ(inspect_firmware_image({}, 0).error(), err(error::image_too_small));
    EXPECT_EQ(inspect_firmware_image(std::span(img).first(1), 1).error(),
              err(error::image_too_small));
    EXPECT_EQ(inspect_firmware_image(std::span(img).first(esp_image_prefix_bytes - 1),
                                     esp_image_prefix_bytes - 1)
                  .error(),
              err(error::image_too_small));
    // A complete prefix but a declared total that is shorter than it.
    EXPECT_EQ(inspect_firmware_image(img, 100).error(), err(error::image_too_small));
    // A total that is large enough but a prefix that is not.
    EXPECT_EQ(inspect_firmware_image(std::span(img).first(100), img.size()).error(),
              err(error::image_too_small));
}

TEST(InspectFirmwareImage, OverThePartitionCap) {
    const auto img = make_test_firmware_image("1.0.6", 4096);
    EXPECT_TRUE(inspect_firmware_image(img, default_ota_partition_bytes).has_value());
    EXPECT_EQ(inspect_firmware_image(img, default_ota_partition_bytes + 1).error(),
              err(error::image_too_large));
    EXPECT_EQ(inspect_firmware_image(img, img.size(), img.size() - 1).error(),
              err(error::image_too_large));
    EXPECT_TRUE(inspect_firmware_image(img, img.size(), img.size()).has_value());
}

TEST(InspectFirmwareImage, ShaOfATestImageIsStable) {
    const auto a = make_test_firmware_image("1.0.6", 10000);
    const auto b = make_test_firmware_image("1.0.6", 10000);
    EXPECT_EQ(sha256_hex(a), sha256_hex(b));
    EXPECT_NE(sha256_hex(a), sha256_hex(make_test_firmware_image("1.0.7", 10000)));
}
