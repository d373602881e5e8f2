#pragma once
// RFC 6455 framing for the server side of a device's WebSocket, with no I/O:
// WsReader turns the bytes read from a socket into whole messages and control
// frames; encode_ws_header() writes the header of a frame to a device.
//
// Why not Beast's websocket::stream: it keeps ~2.5 KiB of state, a 1.5 KiB
// buffer and a pending composed read per connection, about 6 KiB of an idle
// device's 9 (docs/PERFORMANCE.md). A device connection needs little of it:
// frames from the firmware are small, masked and rarely fragmented; frames to
// it are single, unfragmented and uncompressed (PROTOCOL.md §1). The reader
// holds nothing while no frame is half-read, so the gateway reads into one
// buffer per thread and an idle device costs only its socket and session.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ptalk::protocol {

enum class WsOpcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

enum class WsError : std::uint8_t {
    none,
    reserved_bits,     // RSV1-3 set: no extension was negotiated
    bad_opcode,        // 0x3-0x7 or 0xB-0xF
    unmasked,          // a client's frame must be masked
    bad_control,       // a control frame fragmented or longer than 125 bytes
    bad_continuation,  // a continuation with no message open, or a new message inside one
    too_big,           // a message longer than the limit
    bad_utf8,          // a text message that is not UTF-8
};
[[nodiscard]] std::string_view to_string(WsError e) noexcept;

struct WsEvent {
    enum class Kind : std::uint8_t { need_more, text, binary, ping, pong, close, error };
    Kind kind = Kind::need_more;
    // The message or control payload, unmasked. Valid until the next call to
    // WsReader::feed() or next().
    std::string_view payload;
    WsError error = WsError::none;
};

class WsReader {
  public:
    // `max_message`: the longest message (after reassembly) accepted.
    explicit WsReader(std::size_t max_message) noexcept : max_message_(max_message) {}

    // Hands over bytes read from the socket; they are unmasked in place and
    // must stay alive and untouched until next() says need_more. Call feed()
    // only once next() has said need_more (or before the first next()).
    void feed(std::span<char> bytes);
    // The next complete message or control frame, need_more when the bytes
    // given so far hold no further complete frame (an incomplete one is kept),
    // or error (the connection must end; further calls keep saying error).
    [[nodiscard]] WsEvent next();

    // Bytes held between reads: a half-read frame, a fragmented message.
    [[nodiscard]] std::size_t buffered() const noexcept {
        return partial_.size() + fragments_.size();
    }

  private:
    WsEvent fail(WsError e);
    WsEvent frame(std::span<char> frame_bytes, std::size_t header_size);

    std::size_t max_message_;
    std::span<char> input_;  // bytes of the current feed() not parsed yet
    std::string partial_;    // an incomplete frame carried over from earlier reads
    bool from_partial_ = false;
    std::size_t partial_pos_ = 0;
    std::string fragments_;                          // the message being reassembled
    WsOpcode fragment_op_ = WsOpcode::continuation;  // continuation: none open
    bool drop_fragments_ = false;                    // the reassembled message was handed out
    WsError failed_ = WsError::none;
};

// The header of one final, unmasked frame (server to client) of `length`
// bytes; returns how many bytes of `out` it took (2, 4 or 10).
std::size_t encode_ws_header(WsOpcode op, std::size_t length, std::array<char, 10>& out) noexcept;

}  // namespace ptalk::protocol
