#pragma once
// Firmware images for the OTA tests: made in memory, uploaded through the API.
#include <cstdint>
#include <string>

#include "protocol/firmware_image.hpp"
#include "support/fixture.hpp"

namespace ptalk::test {

inline HttpResult upload_firmware(HttpClient& http, const std::string& version, std::size_t size,
                                  std::uint32_t seed = 1) {
    const auto image = protocol::make_test_firmware_image(version, size, "ptalk", seed);
    const std::string body(image.begin(), image.end());
    try {
        return http.upload("/api/v1/firmware?version=" + version, body);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "upload of " << version << " failed: " << e.what();
        return {};
    }
}

inline std::string ota_state(HttpClient& http, const std::string& id) {
    return field(http.get("/api/v1/devices/" + id + "/ota"), "state");
}

// Waits until the device's update has finished (any final state) and returns it.
inline std::string wait_ota_final(HttpClient& http, const std::string& id,
                                  std::chrono::milliseconds timeout) {
    std::string state;
    eventually(
        [&] {
            state = ota_state(http, id);
            return state == "succeeded" || state == "failed" || state == "cancelled";
        },
        timeout);
    return state;
}

}  // namespace ptalk::test
