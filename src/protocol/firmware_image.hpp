#pragma once
// ESP32 application images (PROTOCOL.md §5.8): checked on upload, never on the device.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/digest.hpp"  // sha256_hex, for callers checking images
#include "protocol/error.hpp"

namespace ptalk::protocol {

inline constexpr std::uint8_t esp_image_magic = 0xE9;
inline constexpr std::uint32_t esp_app_desc_magic = 0xABCD5432;
inline constexpr std::size_t esp_image_header_bytes = 24;
inline constexpr std::size_t esp_segment_header_bytes = 8;
inline constexpr std::size_t esp_app_desc_offset =
    esp_image_header_bytes + esp_segment_header_bytes;
inline constexpr std::size_t esp_app_desc_bytes = 256;
// Bytes needed to read the descriptor: check a streamed upload once it has these.
inline constexpr std::size_t esp_image_prefix_bytes = esp_app_desc_offset + esp_app_desc_bytes;
inline constexpr std::size_t default_ota_partition_bytes = 6 * 1024 * 1024;

struct FirmwareImageInfo {
    std::string version;       // esp_app_desc_t.version
    std::string project_name;  // esp_app_desc_t.project_name
    std::string idf_version;
    std::string build_date;  // date + " " + time
    std::uint32_t secure_version = 0;
};

// Reads the header and descriptor from the first esp_image_prefix_bytes (or
// more) of an image; total_size is the whole image's size, checked against max_size.
[[nodiscard]] result<FirmwareImageInfo> inspect_firmware_image(
    std::span<const std::uint8_t> prefix, std::size_t total_size,
    std::size_t max_size = default_ota_partition_bytes) noexcept;

// A valid-looking image of exactly `size` bytes (>= esp_image_prefix_bytes) for
// tests, demos and benchmarks; the payload is deterministic in `seed`.
[[nodiscard]] std::vector<std::uint8_t> make_test_firmware_image(std::string_view version,
                                                                 std::size_t size,
                                                                 std::string_view project = "ptalk",
                                                                 std::uint32_t seed = 1);

}  // namespace ptalk::protocol
