#include "protocol/error.hpp"

#include <string>

namespace ptalk::protocol {
namespace {

class Category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "ptalk.protocol"; }
    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
            case error::empty_frame:
                return "empty frame";
            case error::frame_too_large:
                return "frame too large";
            case error::invalid_json:
                return "invalid JSON";
            case error::too_deep:
                return "JSON nested too deeply";
            case error::not_an_object:
                return "JSON is not an object";
            case error::unknown_frame:
                return "frame fits no known message";
            case error::missing_field:
                return "missing field";
            case error::wrong_type:
                return "field has the wrong type";
            case error::out_of_range:
                return "value out of range";
            case error::invalid_device_id:
                return "invalid device id";
            case error::invalid_utf8:
                return "invalid UTF-8";
            case error::invalid_text:
                return "invalid text";
            case error::unknown_command:
                return "unknown command";
            case error::not_allowed:
                return "command not allowed";
            case error::unexpected_param:
                return "unexpected parameter";
            case error::frame_too_large_for_device:
                return "frame over the device's 4096 bytes";
            case error::bad_chunk_header:
                return "OTA chunk shorter than its header";
            case error::chunk_length_mismatch:
                return "OTA chunk length mismatch";
            case error::chunk_too_large:
                return "OTA chunk over 4084 bytes";
            case error::crc_mismatch:
                return "OTA chunk CRC mismatch";
            case error::not_esp32_image:
                return "not an ESP32 image (first byte is not 0xE9)";
            case error::no_app_descriptor:
                return "no ESP32 application descriptor";
            case error::image_too_small:
                return "image too small";
            case error::image_too_large:
                return "image larger than the OTA partition";
        }
        return "unknown protocol error";
    }
};

}  // namespace

const boost::system::error_category& protocol_category() noexcept {
    static const Category category;
    return category;
}

}  // namespace ptalk::protocol
