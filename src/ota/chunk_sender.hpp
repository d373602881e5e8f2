#pragma once
// The sending side of a firmware transfer's chunk stream (PROTOCOL.md §5.3-5.5)
// as an I/O-free state machine: a sliding window of chunks in flight, acks that
// move it, a nack that sends it back to the first unacked chunk, a timeout per
// ack with bounded retries, and OTA_COMPLETE after the last ack. Window 1 is
// the firmware team's stop-and-wait sender.
//
// The device answers every chunk frame exactly once, in order, so the sender
// counts answers: after it goes back (a nack or a timeout), the answers still
// due for frames of the abandoned window are recognised as such and their nacks
// ignored — otherwise each of them ("seq skips ahead") would send it back again.
// Acks are always believed: the device writes strictly in order, so an ack of N
// means every chunk up to N is written.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ptalk::ota {

using Clock = std::chrono::steady_clock;

struct SenderOptions {
    std::uint32_t chunk_size = 2048;  // data bytes per chunk, 1-4084
    std::uint32_t window = 8;         // chunks in flight; 1 = stop-and-wait
    std::chrono::milliseconds ack_timeout{5000};
    // The first chunk makes the device erase its OTA partition, which takes seconds.
    std::chrono::milliseconds first_ack_timeout{30000};
    // Go-backs (after a nack or a timeout) allowed in a row without an ack moving
    // the window; one more fails the transfer.
    std::uint32_t max_retries = 8;
};

struct SenderActions {
    std::vector<std::uint32_t> send;       // chunk seqs to write, in this order
    bool send_complete = false;            // write OTA_COMPLETE: every chunk is acked
    std::optional<Clock::time_point> arm;  // (re)arm the transfer's timer
    bool cancel_timer = false;
    std::optional<std::string> failed;  // the transfer is over: why
    bool progressed = false;            // the acked count grew
};
std::ostream& operator<<(std::ostream& os, const SenderActions& a);

class ChunkSender {
  public:
    enum class State { idle, sending, complete, failed };

    ChunkSender(std::uint64_t image_size, SenderOptions options);

    // Starts the stream (after the device's ok to request_ota).
    [[nodiscard]] SenderActions begin(Clock::time_point now);
    [[nodiscard]] SenderActions on_ack(std::uint32_t seq, Clock::time_point now);
    [[nodiscard]] SenderActions on_nack(std::uint32_t seq, Clock::time_point now);
    // Ignored before the deadline (a timer that fired late after a re-arm).
    [[nodiscard]] SenderActions on_timer(Clock::time_point now);

    // Where chunk `seq`'s data lies in the image.
    [[nodiscard]] std::uint64_t offset(std::uint32_t seq) const noexcept;
    [[nodiscard]] std::uint32_t length(std::uint32_t seq) const noexcept;

    [[nodiscard]] State state() const noexcept { return state_; }
    [[nodiscard]] std::uint32_t total_chunks() const noexcept { return total_; }
    [[nodiscard]] std::uint32_t acked_chunks() const noexcept { return base_; }
    [[nodiscard]] std::uint64_t bytes_acked() const noexcept;
    [[nodiscard]] std::uint64_t image_size() const noexcept { return size_; }
    [[nodiscard]] std::uint32_t chunks_sent() const noexcept { return sent_; }  // resends included
    [[nodiscard]] std::uint32_t nacks() const noexcept { return nacks_; }
    [[nodiscard]] std::uint32_t timeouts() const noexcept { return timeouts_; }
    [[nodiscard]] std::uint32_t go_backs() const noexcept { return go_backs_; }
    [[nodiscard]] const SenderOptions& options() const noexcept { return opt_; }

  private:
    void fill_window(SenderActions& a);
    // Abandons the frames in flight and resends from the first unacked chunk;
    // fails instead when the retries are used up.
    void go_back(std::string_view why, Clock::time_point now, SenderActions& a);
    void arm(Clock::time_point now, SenderActions& a);
    // Consumes the answer due for the oldest frame; true if it belongs to the current window.
    bool take_answer();

    std::uint64_t size_;
    SenderOptions opt_;
    std::uint32_t total_;
    State state_ = State::idle;
    std::uint32_t base_ = 0;               // first unacked chunk
    std::uint32_t next_ = 0;               // next chunk to send
    std::deque<std::uint32_t> in_flight_;  // current window's frames awaiting their answer
    std::uint32_t abandoned_ = 0;          // answers still due for frames of abandoned windows
    std::uint32_t retries_ = 0;            // go-backs since the window last moved
    Clock::time_point deadline_{};
    std::uint32_t sent_ = 0;
    std::uint32_t nacks_ = 0;
    std::uint32_t timeouts_ = 0;
    std::uint32_t go_backs_ = 0;
};

[[nodiscard]] std::string_view to_string(ChunkSender::State s) noexcept;

}  // namespace ptalk::ota
