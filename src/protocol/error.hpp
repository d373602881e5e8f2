#pragma once
// Error codes of the protocol codec: one enum, one category, one message each.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace ptalk::protocol {

enum class error {
    empty_frame = 1,             // a frame with no bytes
    frame_too_large,             // over the parser's size limit
    invalid_json,                // text that starts like JSON but does not parse
    too_deep,                    // JSON nested deeper than the limit
    not_an_object,               // JSON, but not an object
    unknown_frame,               // an object none of PROTOCOL.md §1's shapes fit
    missing_field,               // a required field is absent
    wrong_type,                  // a field has the wrong JSON type
    out_of_range,                // a number outside its allowed range
    invalid_device_id,           // not 12 hex digits (with or without ':' or '-')
    invalid_utf8,                // a string that is not valid UTF-8
    invalid_text,                // control characters, empty or too long
    unknown_command,             // a cmd not in PROTOCOL.md §3
    not_allowed,                 // a command ptalk refuses to send (set_wifi, set_ws_url)
    unexpected_param,            // a parameter the command does not take
    frame_too_large_for_device,  // an outgoing frame over 4096 bytes
    bad_chunk_header,            // an OTA chunk shorter than its 12-byte header
    chunk_length_mismatch,       // header data_len disagrees with the frame
    chunk_too_large,             // data_len over 4084
    crc_mismatch,                // CRC-32 of the data disagrees with the header
    not_esp32_image,             // first byte is not 0xE9
    no_app_descriptor,           // no 0xABCD5432 application descriptor
    image_too_small,             // shorter than header + descriptor
    image_too_large,             // larger than the OTA partition
};

[[nodiscard]] const boost::system::error_category& protocol_category() noexcept;

[[nodiscard]] inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), protocol_category()};
}

template <class T>
using result = boost::system::result<T>;

}  // namespace ptalk::protocol

template <>
struct boost::system::is_error_code_enum<ptalk::protocol::error> : std::true_type {};
