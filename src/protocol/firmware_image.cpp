#include "protocol/firmware_image.hpp"

#include <algorithm>
#include <cstring>

namespace ptalk::protocol {
namespace {

// Offsets inside esp_app_desc_t (ESP-IDF components/esp_app_format).
constexpr std::size_t desc_secure_version = 4;
constexpr std::size_t desc_version = 16;
constexpr std::size_t desc_project_name = 48;
constexpr std::size_t desc_time = 80;
constexpr std::size_t desc_date = 96;
constexpr std::size_t desc_idf_ver = 112;

std::uint32_t get_u32(const std::uint8_t* p) noexcept {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
           std::uint32_t{p[3]} << 24;
}

void put_u32(std::uint8_t* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// A NUL-terminated field in n bytes; empty unless it is printable ASCII and
// terminated (a 32-byte version would not fit request_ota's 31 bytes).
std::string c_field(const std::uint8_t* p, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        if (p[i] == 0) return s;
        if (p[i] < 0x20 || p[i] > 0x7E) return {};
        s.push_back(static_cast<char>(p[i]));
    }
    return {};
}

void put_field(std::uint8_t* p, std::size_t n, std::string_view s) {
    std::memcpy(p, s.data(), std::min(s.size(), n - 1));
}

}  // namespace

result<FirmwareImageInfo> inspect_firmware_image(std::span<const std::uint8_t> prefix,
                                                 std::size_t total_size,
                                                 std::size_t max_size) noexcept {
    try {
        if (total_size > max_size) return error::image_too_large;
        if (prefix.empty() || total_size == 0) return error::image_too_small;
        if (prefix[0] != esp_image_magic) return error::not_esp32_image;
        if (prefix.size() < esp_image_prefix_bytes || total_size < esp_image_prefix_bytes)
            return error::image_too_small;
        const std::uint8_t* d = prefix.data() + esp_app_desc_offset;
        if (get_u32(d) != esp_app_desc_magic) return error::no_app_descriptor;
        FirmwareImageInfo info;
        info.secure_version = get_u32(d + desc_secure_version);
        info.version = c_field(d + desc_version, 32);
        info.project_name = c_field(d + desc_project_name, 32);
        info.idf_version = c_field(d + desc_idf_ver, 32);
        info.build_date = c_field(d + desc_date, 16) + " " + c_field(d + desc_time, 16);
        if (info.version.empty()) return error::no_app_descriptor;
        return info;
    } catch (...) {
        return error::image_too_large;  // allocation failure on a few short strings
    }
}

std::vector<std::uint8_t> make_test_firmware_image(std::string_view version, std::size_t size,
                                                   std::string_view project, std::uint32_t seed) {
    size = std::max(size, esp_image_prefix_bytes);
    std::vector<std::uint8_t> img(size);
    // esp_image_header_t: one segment, DIO, 40 MHz / 16 MB flash, entry in IRAM.
    img[0] = esp_image_magic;
    img[1] = 1;
    img[2] = 2;
    img[3] = 0x40;
    put_u32(&img[4], 0x40081000);
    img[8] = 0xEE;
    // First segment header: DROM, covering the rest of the image.
    put_u32(&img[24], 0x3F400020);
    put_u32(&img[28], static_cast<std::uint32_t>(size - esp_app_desc_offset));
    std::uint8_t* d = img.data() + esp_app_desc_offset;
    put_u32(d, esp_app_desc_magic);
    put_field(d + desc_version, 32, version);
    put_field(d + desc_project_name, 32, project);
    put_field(d + desc_time, 16, "12:00:00");
    put_field(d + desc_date, 16, "Nov 26 2026");
    put_field(d + desc_idf_ver, 32, "v4.4.6");
    // Deterministic payload (xorshift32), so images of one seed are identical.
    std::uint32_t x = seed == 0 ? 0x9E3779B9u : seed;
    for (std::size_t i = esp_image_prefix_bytes; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        img[i] = static_cast<std::uint8_t>(x);
    }
    return img;
}

}  // namespace ptalk::protocol
