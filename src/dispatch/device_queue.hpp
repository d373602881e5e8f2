#pragma once
// The per-device command queue of PROTOCOL.md §4 as an I/O-free state machine:
// a bounded FIFO, one command in flight, reply matching by shape, a timeout per
// command. Every call returns the Actions the owner must perform (write a frame,
// arm or cancel the device's one timer, deliver completions). The owner (the
// device's session) calls it from one strand only.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/commands.hpp"
#include "protocol/messages.hpp"

namespace ptalk::dispatch {

using Clock = std::chrono::steady_clock;

enum class Outcome {
    ok,
    // the device's own non-ok statuses
    error,
    invalid_command,
    invalid_param,
    not_supported,
    device_busy,
    // ptalk's
    timeout,       // no fitting reply before the deadline
    disconnected,  // the socket closed while the command was queued or in flight
    offline,       // the device was not connected when the command was given
    queue_full,    // the device's FIFO was full
    shutdown,      // the server is stopping
};
[[nodiscard]] std::string_view to_string(Outcome o) noexcept;
[[nodiscard]] Outcome outcome_from_status(protocol::ReplyStatus s) noexcept;

struct Request {
    std::uint64_t id = 0;  // the command id of the audit log; 0 for internal ones
    protocol::Command command;
    std::chrono::milliseconds timeout{5000};
    bool internal = false;  // asked by ptalk itself (post-handshake status, follow-up)
};

struct Completion {
    std::uint64_t id = 0;
    protocol::CommandKind kind = protocol::CommandKind::request_status;
    bool internal = false;
    Outcome outcome = Outcome::ok;
    std::optional<protocol::Reply> reply;
    std::optional<Clock::time_point> sent_at;  // absent if never sent
    Clock::time_point finished_at{};
};

struct Actions {
    std::optional<std::string> send;        // a text frame to write to the device
    std::optional<Clock::time_point> arm;   // (re)arm the device's timer to this deadline
    bool cancel_timer = false;              // no command in flight any more
    std::vector<Completion> completed;      // in the order they finished
    bool stale_reply = false;               // the reply fitted nothing in flight
};
std::ostream& operator<<(std::ostream& os, const Actions& a);

class DeviceQueue {
public:
    explicit DeviceQueue(std::size_t max_queued = 64) : max_queued_(max_queued) {}

    // Queue a command; sends it at once when nothing is in flight.
    [[nodiscard]] Actions enqueue(Request r, Clock::time_point now);
    // Queue at the front (ptalk's own follow-ups).
    [[nodiscard]] Actions enqueue_front(Request r, Clock::time_point now);
    // A reply frame arrived from the device.
    [[nodiscard]] Actions on_reply(const protocol::Reply& reply, Clock::time_point now);
    // The device's timer fired. Ignored when `now` is before the current deadline
    // (a timer that was re-armed late).
    [[nodiscard]] Actions on_timer(Clock::time_point now);
    // The socket closed: the command in flight and every queued one end `disconnected`.
    [[nodiscard]] Actions on_disconnect(Clock::time_point now);
    // The server is stopping: everything ends `shutdown`.
    [[nodiscard]] Actions on_shutdown(Clock::time_point now);
    // While held (a firmware transfer owns the socket) nothing new is sent; queued
    // commands wait. Releasing sends the next one.
    [[nodiscard]] Actions set_hold(bool hold, Clock::time_point now);

    [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }
    [[nodiscard]] bool busy() const noexcept { return in_flight_.has_value(); }
    [[nodiscard]] const std::optional<Request>& in_flight() const noexcept { return in_flight_; }

private:
    Actions send_next(Clock::time_point now, Actions a);

    std::size_t max_queued_;
    std::deque<Request> queue_;
    std::optional<Request> in_flight_;
    Clock::time_point sent_at_{};
    Clock::time_point deadline_{};
    bool hold_ = false;
};

}  // namespace ptalk::dispatch
