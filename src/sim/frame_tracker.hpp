#pragma once
// Sees what Beast's websocket stream hides from its user: where each frame
// from the server starts and ends and whether it is a continuation frame. The
// firmware acts on frames, not messages (PROTOCOL.md §1): it hands each frame
// over in pieces of at most 4096 bytes and drops continuation frames. It also
// loses whatever arrived in the same read as the end of the 101 response.
// Pure: fed the raw bytes read from the socket and the payload Beast delivers.
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>

namespace ptalk::sim {

class FrameTracker {
  public:
    enum class Kind : std::uint8_t { text, binary, continuation };
    struct Payload {
        Kind kind = Kind::text;
        bool frame_end = false;  // the last payload byte of its frame
    };

    // lose_after_upgrade: drop the rest of the read that ends the HTTP response.
    explicit FrameTracker(bool lose_after_upgrade) : lose_after_upgrade_(lose_after_upgrade) {}

    // Raw bytes from the socket, in order. Returns how many of them to pass on.
    [[nodiscard]] std::size_t on_read(std::span<const std::uint8_t> data);
    // Beast delivered n payload bytes in one read_some, which never spans two
    // frames. Returns the frame they came from, or nothing if none is known.
    [[nodiscard]] std::optional<Payload> on_payload(std::size_t n);

    [[nodiscard]] std::size_t bytes_lost() const noexcept { return bytes_lost_; }

  private:
    struct Frame {
        Kind kind;
        bool fin;
        std::uint64_t len;
    };
    void on_frame_byte(std::uint8_t b);
    [[nodiscard]] std::size_t header_size() const noexcept;

    bool lose_after_upgrade_;
    bool in_http_ = true;
    int crlf_matched_ = 0;  // of "\r\n\r\n"
    std::array<std::uint8_t, 14> header_{};
    std::size_t header_len_ = 0;
    std::uint64_t skip_ = 0;       // payload bytes of the current frame still to pass
    std::deque<Frame> frames_;     // data frames Beast has not fully delivered
    std::uint64_t delivered_ = 0;  // of frames_.front()
    std::size_t bytes_lost_ = 0;
};

}  // namespace ptalk::sim
