// libFuzzer target: any bytes as an OTA chunk frame and as the start of a
// firmware image upload. Checks the decoder's and the inspector's promises.
#include <algorithm>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "protocol/firmware_image.hpp"
#include "protocol/ota_chunk.hpp"

using namespace ptalk::protocol;

namespace {

void check_chunk(std::span<const std::uint8_t> frame) {
    const auto c = decode_chunk(frame);
    if (frame.size() < chunk_header_bytes) {
        CHECK(c.error == make_error_code(error::bad_chunk_header) && !c.seq);
        return;
    }
    CHECK(c.seq.has_value());  // a nack needs the seq whatever else is wrong
    if (c.error) return;
    CHECK(c.declared_len == c.data.size() && c.data.size() <= max_chunk_data_bytes);
    CHECK(c.declared_crc == crc32(c.data));
    // A good chunk re-encodes to exactly the same bytes.
    const auto again = encode_chunk(*c.seq, c.data);
    CHECK(std::equal(again.begin(), again.end(), frame.begin(), frame.end()));
}

void check_image(std::span<const std::uint8_t> prefix, std::size_t total, std::size_t max) {
    const auto info = inspect_firmware_image(prefix, total, max);
    if (!info) {
        CHECK(info.error().category() == protocol_category());
        return;
    }
    CHECK(total <= max && total >= esp_image_prefix_bytes && prefix[0] == esp_image_magic);
    CHECK(!info->version.empty() && info->version.size() < 32);
    for (char ch : info->version + info->project_name + info->idf_version + info->build_date)
        CHECK(ch >= 0x20 && ch <= 0x7E);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    check_chunk(bytes);
    check_image(bytes, size, default_ota_partition_bytes);
    // The same bytes as the prefix of a larger upload, and under a small cap.
    check_image(bytes, size + 4096, default_ota_partition_bytes);
    check_image(bytes, size, 4096);
    return 0;
}
