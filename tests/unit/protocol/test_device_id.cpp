#include "protocol/device_id.hpp"

#include <gtest/gtest.h>

using namespace ptalk::protocol;

TEST(NormalizeDeviceId, LowerCaseIsAlreadyCanonical) {
    EXPECT_EQ(normalize_device_id("24a160ff3b9c"), "24a160ff3b9c");
}

TEST(NormalizeDeviceId, UpperAndMixedCaseAreLowerCased) {
    EXPECT_EQ(normalize_device_id("A1B2C3D4E5F6"), "a1b2c3d4e5f6");
    EXPECT_EQ(normalize_device_id("a1B2c3D4e5F6"), "a1b2c3d4e5f6");
}

TEST(NormalizeDeviceId, ColonAndDashSeparatedForms) {
    EXPECT_EQ(normalize_device_id("A1:B2:C3:D4:E5:F6"), "a1b2c3d4e5f6");
    EXPECT_EQ(normalize_device_id("a1-b2-c3-d4-e5-f6"), "a1b2c3d4e5f6");
    EXPECT_EQ(normalize_device_id("24:a1:60:FF:3b:9C"), "24a160ff3b9c");
}

TEST(NormalizeDeviceId, MixedSeparatorsAreRejected) {
    EXPECT_EQ(normalize_device_id("A1:B2-C3:D4:E5:F6"), std::nullopt);
    EXPECT_EQ(normalize_device_id("A1-B2-C3-D4-E5:F6"), std::nullopt);
}

TEST(NormalizeDeviceId, OtherSeparatorsAndMisplacedSeparatorsAreRejected) {
    EXPECT_EQ(normalize_device_id("A1.B2.C3.D4.E5.F6"), std::nullopt);
    EXPECT_EQ(normalize_device_id("A1 B2 C3 D4 E5 F6"), std::nullopt);
    EXPECT_EQ(normalize_device_id("A1B:2C:3D:4E:5F:6"), std::nullopt);
    EXPECT_EQ(normalize_device_id("A1:B2:C3:D4:E5F6:"), std::nullopt);
    EXPECT_EQ(normalize_device_id("A1::B2C3:D4:E5F6"), std::nullopt);
}

TEST(NormalizeDeviceId, WrongLengthsAreRejected) {
    for (const char* id :
         {"", "a", "24a160ff3b9", "24a160ff3b9c0", "24a160ff3b9c24a160ff3b9c", "A1:B2:C3:D4:E5",
          "A1:B2:C3:D4:E5:F6:07", "A1:B2:C3:D4:E5:F", "A1:B2:C3:D4:E5:F6:"}) {
        EXPECT_EQ(normalize_device_id(id), std::nullopt) << id;
    }
}

TEST(NormalizeDeviceId, NonHexDigitsAreRejected) {
    for (const char* id : {"24a160ff3b9g", "G4a160ff3b9c", "24a160ff3b9 ", " 4a160ff3b9c",
                           "A1:B2:C3:D4:E5:FZ", "0x24a160ff3b"}) {
        EXPECT_EQ(normalize_device_id(id), std::nullopt) << id;
    }
    EXPECT_EQ(normalize_device_id(std::string_view("24a160ff3b\0c", 12)), std::nullopt);
    EXPECT_EQ(normalize_device_id("24a160ff3b\xc3\xa9"), std::nullopt);
}

TEST(IsCanonicalDeviceId, OnlyTwelveLowerCaseHexDigits) {
    EXPECT_TRUE(is_canonical_device_id("24a160ff3b9c"));
    EXPECT_TRUE(is_canonical_device_id("000000000000"));
    EXPECT_FALSE(is_canonical_device_id("24A160FF3B9C"));
    EXPECT_FALSE(is_canonical_device_id("24:a1:60:ff:3b:9c"));
    EXPECT_FALSE(is_canonical_device_id("24a160ff3b9"));
    EXPECT_FALSE(is_canonical_device_id("24a160ff3b9g"));
    EXPECT_FALSE(is_canonical_device_id(""));
}

TEST(IsCanonicalDeviceId, NormalizedIdsAreCanonical) {
    for (const char* id : {"A1B2C3D4E5F6", "a1-b2-c3-d4-e5-f6", "FF:FF:FF:FF:FF:FF"})
        EXPECT_TRUE(is_canonical_device_id(normalize_device_id(id).value())) << id;
}

TEST(FormatMac, CanonicalIdBecomesUpperCaseColonPairs) {
    EXPECT_EQ(format_mac("a1b2c3d4e5f6"), "A1:B2:C3:D4:E5:F6");
    EXPECT_EQ(format_mac("24a160ff3b9c"), "24:A1:60:FF:3B:9C");
}

TEST(FormatMac, RoundTripsThroughNormalize) {
    EXPECT_EQ(normalize_device_id(format_mac("24a160ff3b9c")), "24a160ff3b9c");
}
